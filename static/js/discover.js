/* The home page's "familiar ↔ discover" control: a change saves the setting and swaps in the re-ranked
   top picks without a reload. Without this script it is a plain form with an Apply button.

   One save is in flight at a time. Arrowing across the control fires a change per step; sent at once,
   the server could apply them out of order and keep a step the viewer passed over. A change made while
   a save is on its way waits, and only the latest one waiting is sent next. */
(function () {
  "use strict";

  var form = document.querySelector("[data-discover-form]");
  if (!form) return;
  var status = form.querySelector("[data-discover-status]");
  var saving = false;
  var waiting = null;  // the radio chosen while a save was on its way

  function say(text) { status.textContent = text; }
  function picksBody() { return document.querySelector('[data-section="top-picks"] [data-section-body]'); }

  function save(radio) {
    saving = true;
    var body = new FormData();
    body.set("discover", radio.value);
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      if (waiting) return null;  // the picks would be stale at once: skip them
      return fetch(form.getAttribute("data-picks-url"), { credentials: "same-origin", headers: { Accept: "text/html" } });
    }).then(function (response) {
      if (!response) return null;
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    }).then(function (html) {
      if (next()) return;
      var picks = picksBody();
      if (picks) {
        picks.innerHTML = html;
        picks.removeAttribute("aria-busy");
      }
      say("Picks updated: " + radio.labels[0].textContent.trim() + ".");
    }).catch(function () {
      if (next()) return;
      var picks = picksBody();
      if (picks) picks.removeAttribute("aria-busy");
      say("Could not update your picks. Use Apply to try again.");
    });
  }

  /* Send the change that waited, if any; true when one was sent. */
  function next() {
    saving = false;
    if (!waiting) return false;
    var radio = waiting;
    waiting = null;
    save(radio);
    return true;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name !== "discover") return;
    var picks = picksBody();
    if (picks) picks.setAttribute("aria-busy", "true");
    say("Updating your picks…");
    if (saving) waiting = event.target;
    else save(event.target);
  });
})();
