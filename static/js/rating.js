/* Rating widget enhancement: save and remove ratings with fetch, no page reload.
   Without this script the same forms POST normally and the server redirects back.
   A widget's saves and removals go one after another: a second choice made while the first is still
   saving must not land first and then be overwritten by the choice the viewer moved away from. */
(function () {
  "use strict";

  var SAVE_DELAY_MS = 350; // arrow keys step through values: save once the user pauses

  function post(form) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      return response
        .json()
        .catch(function () { return {}; })
        .then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    });
  }

  function errorText(result) {
    if (result.status === 403) return "Please log in again to rate movies.";
    var errors = result.data && result.data.errors;
    if (errors) {
      return Object.keys(errors).map(function (key) { return errors[key].join(" "); }).join(" ");
    }
    return "Could not save your rating. Please try again.";
  }

  function formatMean(mean) {
    return mean === null || mean === undefined ? "—" : Number(mean).toFixed(2);
  }

  function updateSummary(data) {
    document.querySelectorAll('[data-movie-mean="' + data.movie + '"]').forEach(function (el) {
      el.textContent = formatMean(data.rating_mean);
    });
    document.querySelectorAll('[data-movie-count="' + data.movie + '"]').forEach(function (el) {
      el.textContent = String(data.rating_count);
    });
    document.querySelectorAll('[data-movie-count-noun="' + data.movie + '"]').forEach(function (el) {
      el.textContent = data.rating_count === 1 ? el.dataset.one : el.dataset.many;
    });
  }

  // The movie page's histogram: the bar of the old score loses one rating, the new score's bar gains one.
  function updateHistogram(movie, oldScore, newScore) {
    var bars = document.querySelector('[data-histogram="' + movie + '"]');
    if (!bars) return;
    var items = Array.prototype.slice.call(bars.querySelectorAll("[data-score]"));
    items.forEach(function (bar) {
      var count = Number(bar.dataset.count);
      if (oldScore !== null && Number(bar.dataset.score) === Number(oldScore)) count -= 1;
      if (newScore !== null && Number(bar.dataset.score) === Number(newScore)) count += 1;
      bar.dataset.count = String(Math.max(0, count));
    });
    var tallest = Math.max.apply(null, items.map(function (bar) { return Number(bar.dataset.count); }));
    items.forEach(function (bar) {
      var count = Number(bar.dataset.count);
      bar.style.setProperty("--share", (tallest ? Math.round(100 * count / tallest) : 0) + "%");
      bar.title = bar.dataset.score + "★: " + count;
      bar.querySelector("[data-bar-label]").textContent =
        bar.dataset.score + " stars: " + count + (count === 1 ? " rating" : " ratings");
    });
  }

  // A prediction beside the viewer's own stars says nothing: shown only while the movie is unrated.
  function showPredicted(movie, rated) {
    document.querySelectorAll('[data-predicted="' + movie + '"]').forEach(function (el) { el.hidden = rated; });
  }

  function enhance(widget) {
    var form = widget.querySelector("[data-rating-form]");
    var remove = widget.querySelector("[data-rating-delete]");
    var status = widget.querySelector("[data-rating-status]");
    var radios = form.querySelectorAll("input[name=score]");
    var checked = form.querySelector("input[name=score]:checked");
    var saved = checked ? checked.value : null;
    var timer = null;
    var line = Promise.resolve();  // this widget's requests, in the order they were asked for

    function inTurn(task) { line = line.then(task, task); }

    function show(text, kind) {
      status.textContent = text;
      status.classList.toggle("is-error", kind === "error");
      status.classList.toggle("is-saved", kind === "saved");
    }

    function restore() {
      radios.forEach(function (radio) { radio.checked = radio.value === saved; });
    }

    function tell(name, detail) {
      widget.dispatchEvent(new CustomEvent(name, { bubbles: true, detail: detail }));
    }

    // "Undo" puts back what was there before the last save: the previous score, or no rating.
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "link-button rating-undo";
    undo.textContent = "Undo";
    var legend = form.querySelector("legend");
    if (legend) undo.setAttribute("aria-label", "Undo: " + legend.textContent.trim());
    undo.hidden = true;
    status.after(undo); // inside .rating-feedback, on the status line
    var previous = null;

    undo.addEventListener("click", function () {
      undo.hidden = true;
      if (previous === null) {
        remove.requestSubmit();
      } else {
        radios.forEach(function (radio) { radio.checked = radio.value === previous; });
        inTurn(save);
      }
    });

    function save() {
      var choice = form.querySelector("input[name=score]:checked");
      if (!choice || choice.value === saved) return null;
      var before = saved;
      show("Saving…");
      undo.hidden = true;
      return post(form).then(function (result) {
        if (!result.ok) { restore(); show(errorText(result), "error"); return; }
        saved = choice.value;
        previous = before;
        remove.hidden = false;
        undo.hidden = false;
        updateSummary(result.data);
        updateHistogram(result.data.movie, before, result.data.score);
        showPredicted(result.data.movie, true);
        show("Saved: " + Number(result.data.score).toFixed(1) + " out of 5.", "saved");
        tell("rating:saved", { movie: result.data.movie, score: result.data.score, created: before === null });
      }).catch(function () {
        restore();
        show("No connection. Your rating was not saved.", "error");
      });
    }

    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { inTurn(save); }, SAVE_DELAY_MS);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      inTurn(save);
    });
    remove.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      inTurn(removeRating);
    });

    function removeRating() {
      show("Removing…");
      return post(remove).then(function (result) {
        if (!result.ok) { show(errorText(result), "error"); return; }
        var had = saved;
        saved = null;
        restore();
        remove.hidden = true;
        undo.hidden = true;
        if (document.activeElement === null || document.activeElement === document.body ||
            remove.contains(document.activeElement)) {
          radios[0].focus(); // the focused button just disappeared
        }
        updateSummary(result.data);
        if (result.data.deleted) updateHistogram(result.data.movie, had, null);
        showPredicted(result.data.movie, false);
        show("Rating removed.", "saved");
        if (had !== null) tell("rating:removed", { movie: result.data.movie });
      }).catch(function () {
        show("No connection. Your rating was not removed.", "error");
      });
    }
  }

  function enhanceWithin(root) {
    root.querySelectorAll("[data-rating-widget]:not([data-enhanced])").forEach(function (widget) {
      widget.dataset.enhanced = "true";
      enhance(widget);
    });
  }

  enhanceWithin(document);
  // Widgets added later (onboarding's replacement cards) announce themselves with this event.
  document.addEventListener("content:added", function (event) { enhanceWithin(event.target); });
})();
