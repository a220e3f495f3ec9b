// Show times in the visitor's own time zone: when the page was opened without one
// chosen, pick the browser's zone and reload. Without JavaScript the select works.
(function () {
  var form = document.querySelector("[data-timezone-form]");
  if (!form || new URLSearchParams(location.search).has("tz")) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var select = form.querySelector("select[name=tz]");
  if (!zone || !select || select.value === zone) return;
  if (!Array.prototype.some.call(select.options, function (o) { return o.value === zone; })) return;
  select.value = zone;
  form.submit();
})();
