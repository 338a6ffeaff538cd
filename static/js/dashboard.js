// Staff dashboard: polls the status endpoint every two seconds and updates the live panel in place;
// when the registry changes (a training finished, a version was activated) it swaps in the fresh table.
(() => {
  "use strict";
  const root = document.querySelector("[data-dashboard]");
  if (!root) return;
  const POLL_MS = 2000, HIDDEN_POLL_MS = 15000;
  let stamp = root.dataset.versionsStamp;

  const $ = (selector) => root.querySelector(selector);
  const setText = (el, text) => { if (el && el.textContent !== text) el.textContent = text; };

  function render(status) {
    for (const [key, text] of Object.entries(status.display)) setText(root.querySelector(`[data-live="${key}"]`), text);
    $("[data-worker]").classList.toggle("stat--warn", !status.worker.ok);

    const training = status.training;
    $("[data-training]").hidden = !training;
    $("[data-training-idle]").hidden = Boolean(training);
    if (training) {
      const progress = $("[data-progress]"), bar = progress.firstElementChild;
      progress.setAttribute("aria-valuenow", String(training.percent));
      bar.style.width = `${training.percent}%`;
      bar.classList.toggle("progress__bar--waiting", training.status === "queued");
    }

    const failure = status.last_failure, box = $("[data-failure]");
    box.hidden = !failure;
    if (failure) {
      setText($("[data-failure-id]"), `v${failure.id}`);
      setText($("[data-failure-ago]"), failure.ago);
      setText($("[data-failure-error]"), failure.error);
      $("[data-failure-recovered]").hidden = !failure.recovered;
      box.classList.toggle("failure--recovered", failure.recovered);
    }
  }

  async function refreshVersions() {
    const response = await fetch(root.dataset.versionsUrl + window.location.search, { credentials: "same-origin" });
    if (response.ok) $("[data-versions]").innerHTML = await response.text();
    for (const img of root.querySelectorAll("img[data-plot]")) {
      const url = new URL(img.src, window.location.href);
      url.searchParams.set("v", stamp);
      img.src = url.toString();
    }
  }

  async function poll() {
    const live = $("[data-live-state]");
    try {
      const response = await fetch(root.dataset.statusUrl, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const status = await response.json();
      render(status);
      if (status.versions_stamp !== stamp) {
        stamp = status.versions_stamp;
        await refreshVersions();
      }
      live.classList.remove("is-offline");
      setText(live, "live");
    } catch (error) {
      live.classList.add("is-offline");
      setText(live, "offline");
    } finally {
      window.setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    }
  }

  // One click is one request: a double click must not queue two trainings.
  root.addEventListener("submit", (event) => {
    const button = event.target.querySelector("[data-once]");
    if (button) window.setTimeout(() => { button.disabled = true; }, 0);
  });

  window.setTimeout(poll, POLL_MS);
})();
