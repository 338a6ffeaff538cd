/* The home page's "familiar ↔ discover" control: a change saves the setting and swaps in the re-ranked
   top picks without a reload. Without this script it is a plain form with an Apply button. */
(function () {
  "use strict";

  var form = document.querySelector("[data-discover-form]");
  if (!form) return;
  var status = form.querySelector("[data-discover-status]");
  var pending = 0;

  function say(text) { status.textContent = text; }

  form.addEventListener("change", function (event) {
    if (event.target.name !== "discover") return;
    var ticket = ++pending;
    var body = new FormData();
    body.set("discover", event.target.value);
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var picks = document.querySelector('[data-section="top-picks"] [data-section-body]');
    if (picks) picks.setAttribute("aria-busy", "true");
    say("Updating your picks…");
    fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return fetch(form.getAttribute("data-picks-url"), { credentials: "same-origin", headers: { Accept: "text/html" } });
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    }).then(function (html) {
      if (ticket !== pending) return;  // a later change is on its way
      if (picks) {
        picks.innerHTML = html;
        picks.removeAttribute("aria-busy");
      }
      say("Picks updated: " + event.target.labels[0].textContent.trim() + ".");
    }).catch(function () {
      if (picks) picks.removeAttribute("aria-busy");
      say("Could not update your picks. Use Apply to try again.");
    });
  });
})();
