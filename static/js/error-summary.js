// The details form's error summary: focus it when the page loads, so screen
// readers announce it and keyboards start there; a link in it focuses its field
// and scrolls the field's label (or legend) into view, not just the input.
(function () {
    "use strict";
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var target = link && document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        event.preventDefault();
        var caption = target.closest("fieldset") ?
            target.closest("fieldset").querySelector("legend") :
            document.querySelector("label[for='" + target.id + "']");
        (caption || target).scrollIntoView();
        target.focus({ preventScroll: true });
    });
})();
