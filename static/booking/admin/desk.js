// The dashboard's desk (booking/admin/dashboard.py): fetches its panels again every
// minute and swaps them in, unless someone is working in them (focus inside, the
// Reject dialog open, the tab hidden); opens Reject's reason in a <dialog>.
// Without JavaScript the panels are as loaded and Reject opens its own page.
(function () {
  "use strict";
  var REFRESH_MS = 60000;

  function start() {
    var desk = document.querySelector("[data-desk-refresh-url]");
    if (!desk) return;
    var panels = desk.querySelector("[data-desk-panels]");
    var dialog = desk.querySelector("#desk-reject-dialog");
    var form = dialog && dialog.querySelector("[data-desk-reject-form]");

    function busy() {
      return document.hidden || (dialog && dialog.open) ||
        panels.contains(document.activeElement);
    }

    function refresh() {
      if (busy()) return;
      fetch(desk.getAttribute("data-desk-refresh-url"), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" }
      }).then(function (response) {
        if (!response.ok || response.redirected) throw new Error(response.status);
        return response.text();
      }).then(function (html) {
        if (!busy()) panels.innerHTML = html;
      }).catch(function () { /* keep what is shown; try again next minute */ });
    }
    window.setInterval(refresh, REFRESH_MS);

    if (!dialog || typeof dialog.showModal !== "function") return;
    var opener = null;
    desk.addEventListener("click", function (event) {
      var link = event.target.closest("[data-desk-reject]");
      if (link) {
        event.preventDefault();
        opener = link;
        form.action = link.getAttribute("data-desk-reject");
        dialog.querySelector("[data-desk-reject-reference]").textContent =
          link.getAttribute("data-reference");
        dialog.querySelector("[data-desk-reject-summary]").textContent =
          link.getAttribute("data-summary");
        form.reason.value = "";
        dialog.showModal();
        form.reason.focus();
        return;
      }
      if (event.target.closest("[data-desk-close]")) dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (opener && document.body.contains(opener)) opener.focus();
    });
  }

  // Wagtail loads a page's scripts in the head, before the dashboard exists.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
