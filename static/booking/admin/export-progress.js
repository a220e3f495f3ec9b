// Keeps a booking export's progress bar up to date by asking its status URL
// (booking/exports.py) every second and a half, and shows the download link or
// the error when the job ends. Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var section = document.querySelector("[data-export-status]");
  if (!section) return;
  var url = section.getAttribute("data-export-status");
  var bar = section.querySelector("progress");
  var text = section.querySelector("[data-export-text]");
  var error = section.querySelector("[data-export-error]");
  var download = section.querySelector("[data-export-download]");

  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    text.textContent = state.status_label + ": " + state.rows_done + " of " +
      (state.rows_total || "…") + " rows (" + state.percent + "%)";
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
    }
    if (state.download_url) {
      download.querySelector("a").href = state.download_url;
      download.hidden = false;
    }
    return state.status === "queued" || state.status === "running";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        if (show(state)) window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
