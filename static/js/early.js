// Runs before the page is drawn: lets the stylesheet hide no-JS fallbacks (e.g. the rating "Save" button),
// and lays a visitor's movie lists out as they last chose (cards or list, layout.js keeps it in localStorage;
// a signed-in viewer's choice comes from the server as data-layout-saved). A file, not an inline script, so the
// Content-Security-Policy allows scripts from this site only, and a cached page (whose nonce would be stale)
// still runs it.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  if (root.hasAttribute("data-layout-saved")) return;
  try {
    if (window.localStorage.getItem("moviesite.layout") === "list") root.setAttribute("data-layout", "list");
  } catch (e) { /* storage blocked: cards */ }
})();
