/* Rating widget enhancement: save and remove ratings with fetch, no page reload.
   Without this script the same forms POST normally and the server redirects back. */
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
  }

  function enhance(widget) {
    var form = widget.querySelector("[data-rating-form]");
    var remove = widget.querySelector("[data-rating-delete]");
    var status = widget.querySelector("[data-rating-status]");
    var radios = form.querySelectorAll("input[name=score]");
    var checked = form.querySelector("input[name=score]:checked");
    var saved = checked ? checked.value : null;
    var timer = null;

    function show(text, kind) {
      status.textContent = text;
      status.classList.toggle("is-error", kind === "error");
      status.classList.toggle("is-saved", kind === "saved");
    }

    function restore() {
      radios.forEach(function (radio) { radio.checked = radio.value === saved; });
    }

    function save() {
      var choice = form.querySelector("input[name=score]:checked");
      if (!choice || choice.value === saved) return;
      show("Saving…");
      post(form).then(function (result) {
        if (!result.ok) { restore(); show(errorText(result), "error"); return; }
        saved = choice.value;
        remove.hidden = false;
        updateSummary(result.data);
        show("Saved: you rated it " + Number(result.data.score).toFixed(1) + " out of 5.", "saved");
      }).catch(function () {
        restore();
        show("No connection. Your rating was not saved.", "error");
      });
    }

    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(save, SAVE_DELAY_MS);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      save();
    });
    remove.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      show("Removing…");
      post(remove).then(function (result) {
        if (!result.ok) { show(errorText(result), "error"); return; }
        saved = null;
        restore();
        remove.hidden = true;
        radios[0].focus(); // the focused button just disappeared
        updateSummary(result.data);
        show("Rating removed.", "saved");
      }).catch(function () {
        show("No connection. Your rating was not removed.", "error");
      });
    });
  }

  document.querySelectorAll("[data-rating-widget]").forEach(enhance);
})();
