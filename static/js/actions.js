/* Watchlist, "not interested" and onboarding enhancements: fetch instead of a page reload.
   Without this script every button is a plain form POST and the server redirects back. */
(function () {
  "use strict";

  function post(form, fields) {
    var body = new FormData(form);
    Object.keys(fields || {}).forEach(function (key) {
      if (Array.isArray(fields[key])) {
        body.delete(key);
        fields[key].forEach(function (value) { body.append(key, value); });
      } else {
        body.set(key, fields[key]);
      }
    });
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    // getAttribute: a field named "action" shadows the form's action property.
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // One polite live region for short confirmations ("Added to your watchlist").
  var announcer = null;
  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function setToggle(form, on, onValue, offValue) {
    var button = form.querySelector("button");
    form.querySelector("input[name=action]").value = on ? offValue : onValue;
    button.classList.toggle("is-on", on);
    var label = button.querySelector("[data-label]");
    if (label) {
      label.textContent = on ? button.dataset.labelOn : button.dataset.labelOff;
    } else {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function enhanceWatchlist(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var adding = form.querySelector("input[name=action]").value === "add";
      post(form).then(function (data) {
        setToggle(form, data.on_watchlist, "add", "remove");
        announce(data.message);
      }).catch(function () {
        announce(adding ? "Could not add it to your watchlist. Please try again."
                        : "Could not change your watchlist. Please try again.");
      });
    });
  }

  function enhanceHide(form) {
    var card = form.closest("li");
    var overlay = form.closest(".movie-actions--overlay");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var hiding = form.querySelector("input[name=action]").value === "hide";
      post(form).then(function (data) {
        if (overlay && card && data.hidden) {
          replaceWithUndo(card, form, data.message);
        } else {
          setToggle(form, data.hidden, "hide", "unhide");
          announce(data.message);
        }
      }).catch(function () {
        announce(hiding ? "Could not hide it. Please try again." : "Could not undo. Please try again.");
      });
    });
  }

  // A hidden recommendation leaves a small note in its place, with an undo that brings the card back.
  function replaceWithUndo(item, form, message) {
    var card = item.firstElementChild;
    var note = document.createElement("div");
    note.className = "card-hidden";
    var text = document.createElement("p");
    text.setAttribute("role", "status");
    text.textContent = message;
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "button button--ghost button--small";
    undo.textContent = "Undo";
    note.append(text, undo);
    card.hidden = true;
    item.appendChild(note);
    item.dataset.hiddenMovie = form.closest("[data-movie-actions]").dataset.movie;
    undo.focus();
    undo.addEventListener("click", function () {
      post(form, { action: "unhide" }).then(function () {
        note.remove();
        card.hidden = false;
        delete item.dataset.hiddenMovie;
        form.querySelector("button").focus();
        announce("It is back among your picks.");
      }).catch(function () { announce("Could not undo. Please try again."); });
    });
  }

  // Onboarding: live "N of 10" progress (never past 10), and "Haven't seen it" puts another film in its place.
  function enhanceOnboarding(root) {
    var goal = Number(root.dataset.goal);
    var rated = Number(root.dataset.rated);
    var count = root.querySelector("[data-rated-count]");
    var bar = root.querySelector("[data-progress-bar]");
    var done = root.querySelector("[data-progress-done]");
    var link = root.querySelector("[data-done-link]");

    function render() {
      count.textContent = String(Math.min(rated, goal));
      bar.value = Math.min(rated, goal);
      var finished = rated >= goal;
      done.hidden = !finished;
      link.classList.toggle("button--ghost", !finished);
      link.firstChild.textContent = (finished ? link.dataset.labelDone : link.dataset.labelSkip) + " ";
    }

    function markRated(event, on) {
      var card = event.target.closest(".card--rate");
      if (card) card.classList.toggle("is-rated", on);
    }

    root.addEventListener("rating:saved", function (event) {
      markRated(event, true);
      if (event.detail.created) { rated += 1; render(); }
    });
    root.addEventListener("rating:removed", function (event) {
      markRated(event, false);
      rated = Math.max(0, rated - 1);
      render();
    });

    function shownIds() {
      return Array.prototype.map.call(root.querySelectorAll("[data-onboarding-card]"), function (card) {
        return card.dataset.movie;
      });
    }

    function enhanceUnseen(form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var item = form.closest("[data-onboarding-card]");
        var skipped = item.querySelector(".card__title").textContent;
        post(form, { shown: shownIds() }).then(function (data) {
          if (data.replacement) {
            replaceCard(item, data.replacement.html, skipped);
            return;
          }
          var next = item.nextElementSibling || item.previousElementSibling;
          item.remove();
          var target = next && next.querySelector("input[name=score]");
          if (target) target.focus({ preventScroll: false });
          announce("Skipped " + skipped + ". There are no more films to offer here.");
        }).catch(function () { announce("Could not skip it. Please try again."); });
      });
    }

    // The new card takes the old one's place; focus goes to its title, so the next Tab reaches its stars.
    function replaceCard(item, html, skipped) {
      var holder = document.createElement("template");
      holder.innerHTML = html.trim();
      var card = holder.content.firstElementChild;
      item.replaceWith(card);
      enhanceUnseen(card.querySelector("[data-unseen]"));
      card.dispatchEvent(new CustomEvent("content:added", { bubbles: true }));
      var title = card.querySelector(".card__title");
      title.focus();
      announce("Skipped " + skipped + ". In its place: " + title.textContent + ".");
    }

    root.querySelectorAll("[data-unseen]").forEach(enhanceUnseen);
  }

  document.querySelectorAll("form[data-toggle=watchlist]").forEach(enhanceWatchlist);
  document.querySelectorAll("form[data-toggle=hide]").forEach(enhanceHide);
  document.querySelectorAll("[data-onboarding]").forEach(enhanceOnboarding);
})();
