/* Cards or a compact list: the toggle sets <html data-layout>, which site.css reads.
   Signed-in viewers' choice is saved on the server (the toggle is a form; here it is posted with fetch);
   visitors' stays in this browser (localStorage), applied before the page is drawn by early.js. */
(function () {
  "use strict";

  var KEY = "moviesite.layout";
  var root = document.documentElement;
  var line = Promise.resolve();  // saves go one after another, so the last choice is the one kept

  function apply(layout) {
    root.setAttribute("data-layout", layout);
    document.querySelectorAll("[data-layout-form] button[name=layout]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.value === layout));
    });
  }

  function save(form, layout) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new FormData();
    body.set("layout", layout);
    return fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); });
  }

  document.querySelectorAll("[data-layout-form]").forEach(function (form) {
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=layout]");
      if (!button) return;
      event.preventDefault();
      var layout = button.value;
      apply(layout);
      if (form.hasAttribute("data-layout-save")) {
        line = line.then(function () { return save(form, layout); })
          .catch(function () { form.submit(); });  // the plain form still works
      } else {
        try { window.localStorage.setItem(KEY, layout); } catch (e) { /* private mode: this page only */ }
      }
    });
  });
  if (!root.hasAttribute("data-layout-saved")) {
    var stored = null;
    try { stored = window.localStorage.getItem(KEY); } catch (e) { stored = null; }
    apply(stored === "list" ? "list" : "cards");
  }
})();
