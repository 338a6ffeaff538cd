/* The header: a menu button on phones, and title suggestions under the search box.
   Without this script the menu's links simply wrap and the search box is a plain GET form to /movies/.
   Suggestions follow the ARIA combobox pattern: the focus stays in the box, the highlighted option is
   named by aria-activedescendant; Up/Down move, Enter opens the highlighted film, Escape closes. */
(function () {
  "use strict";

  var PHONE = window.matchMedia("(max-width: 640px)");
  var DEBOUNCE_MS = 180;
  var SHOWN = 8;

  // "Matrix, The (1999)" as people say it, "The Matrix (1999)" (the API may list sortable titles).
  var TRAILING_ARTICLE = /^(.*\S),\s*(the|a|an|la|le|les|l'|el|il|lo|los|las|der|die|das)$/i;
  function naturalTitle(title) {
    var cut = title.indexOf(" (");
    var main = cut < 0 ? title : title.slice(0, cut);
    var rest = cut < 0 ? "" : title.slice(cut);
    var moved = TRAILING_ARTICLE.exec(main.trim());
    return moved ? moved[2] + " " + moved[1] + rest : title;
  }

  function setUpMenu() {
    var button = document.querySelector(".menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) return;
    button.hidden = false;
    function close() {
      button.setAttribute("aria-expanded", "false");
      menu.classList.remove("is-open");
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
      if (open) {
        var first = menu.querySelector("a, button");
        if (first) first.focus();
      }
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && PHONE.matches && button.getAttribute("aria-expanded") === "true") {
        close();
        button.focus();
      }
    });
    PHONE.addEventListener("change", close);
  }

  function setUpSearch() {
    var form = document.querySelector(".site-search");
    if (!form) return;
    var input = form.querySelector("[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-suggest-status]");
    var url = form.getAttribute("data-suggest-url");
    var timer = null;
    var latest = 0;
    var active = -1;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", String(i === active)); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function show(movies, query) {
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      movies.slice(0, SHOWN).forEach(function (movie, i) {
        var option = document.createElement("li");
        option.id = "site-search-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "site-search__option";
        option.dataset.href = "/movies/" + movie.id + "/";
        var title = document.createElement("span");
        title.className = "site-search__title";
        title.textContent = naturalTitle(movie.title);
        option.appendChild(title);
        var meta = document.createElement("span");
        meta.className = "site-search__meta";
        meta.textContent = [movie.year, (movie.genres || []).slice(0, 2).join(", ")].filter(Boolean).join(" · ");
        option.appendChild(meta);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { window.location.assign(option.dataset.href); });
        list.appendChild(option);
      });
      var all = document.createElement("li");
      all.id = "site-search-option-all";
      all.setAttribute("role", "option");
      all.setAttribute("aria-selected", "false");
      all.className = "site-search__option site-search__option--all";
      all.dataset.href = form.getAttribute("action") + "?q=" + encodeURIComponent(query);
      all.textContent = movies.length ? "All results for “" + query + "”" : "No title matches yet: search anyway";
      all.addEventListener("mousedown", function (event) { event.preventDefault(); });
      all.addEventListener("click", function () { window.location.assign(all.dataset.href); });
      list.appendChild(all);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = movies.length ? Math.min(movies.length, SHOWN) + " suggestions" : "No suggestions";
    }

    function suggest() {
      var query = input.value.trim();
      if (query.length < 2) { close(); return; }
      var ticket = ++latest;
      fetch(url + "?search=" + encodeURIComponent(query), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (body) {
        if (ticket !== latest || document.activeElement !== input) return;  // an older answer, or the box was left
        show(body.results || [], query);
      }).catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) highlight(active + 1); else suggest();
      } else if (event.key === "ArrowUp") {
        if (open) { event.preventDefault(); highlight(active - 1); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          window.location.assign(options()[active].dataset.href);
        }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  setUpMenu();
  setUpSearch();
})();
