// Show times in the visitor's own time zone: on a picker page opened without a
// zone chosen, read the browser's zone and reload with it (the server folds
// aliases such as "Asia/Calcutta" into canonical zones). Without JavaScript the
// page shows the consultant's zone and a search to change it.
(function () {
  var bar = document.querySelector("[data-zone-bar]");
  if (!bar || bar.hasAttribute("data-zone-chosen")) return;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === bar.getAttribute("data-zone")) return;
  var url = new URL(location.href);
  url.searchParams.set("tz", zone);
  url.searchParams.delete("day");
  location.replace(url.toString());
})();
