// The time picker without page loads: choosing a day fetches only that day's
// times, changing month only the calendar and times (booking/web/picker.py's
// `partial`), and the zone search lists matches as you type. Every link and
// form works the same without this script.
(function () {
  var root = document.querySelector("[data-picker]");
  if (!root || !window.fetch) return;

  function get(url, partial) {
    var u = new URL(url, location.href);
    u.searchParams.set("partial", partial);
    return fetch(u.toString(), { headers: { Accept: "text/html" } }).then(function (r) {
      return r.text();
    });
  }

  function fragment(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function remember(url) {
    var u = new URL(url, location.href);
    u.searchParams.delete("partial");
    history.replaceState(null, "", u.toString());
    var path = u.pathname + u.search;
    document.querySelectorAll("[data-next]").forEach(function (input) {
      input.value = path;
    });
  }

  function chooseDay(link) {
    get(link.href, "times").then(function (html) {
      var times = root.querySelector("[data-times]");
      times.replaceWith(fragment(html));
      root.querySelectorAll("a[data-day]").forEach(function (a) {
        var on = a === link;
        a.classList.toggle("is-selected", on);
        if (on) a.setAttribute("aria-current", "true");
        else a.removeAttribute("aria-current");
      });
      remember(link.href);
      document.getElementById("times-heading").focus();
    });
  }

  function chooseMonth(link) {
    get(link.href, "month").then(function (html) {
      var next = fragment(html);
      root.replaceWith(next);
      root = next;
      remember(link.href);
      document.getElementById("month-heading").focus();
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-day], a[data-month]");
    if (!link || !root.contains(link) || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    if (link.hasAttribute("data-day")) chooseDay(link);
    else chooseMonth(link);
  });

  var search = document.querySelector("[data-zone-search]");
  var matches = document.querySelector("[data-zone-matches]");
  if (!search || !matches) return;
  var timer;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var form = search.form;
      var u = new URL(form.action, location.href);
      u.searchParams.set("q", search.value);
      u.searchParams.set("next", form.elements.next.value);
      get(u.toString(), "1").then(function (html) {
        matches.innerHTML = html;
      });
    }, 150);
  });
})();
