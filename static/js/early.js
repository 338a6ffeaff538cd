// Runs before the page is drawn: lets the stylesheet hide no-JS fallbacks (e.g. the rating "Save" button).
// A file, not an inline script, so the Content-Security-Policy allows scripts from this site only, and a
// cached page (whose nonce would be stale) still runs it.
document.documentElement.classList.add("js");
