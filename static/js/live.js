/* Live updates over WebSockets (issue 24). Everything here only improves pages
   that work without it: the message form posts, pages show the latest state
   when loaded. No socket, no change. */
(function () {
  "use strict";
  var script = document.currentScript;

  function socket(path, onEvent) {
    if (!("WebSocket" in window)) return null;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var tries = 0;
    var ws = null;
    function open() {
      ws = new WebSocket(scheme + location.host + path);
      ws.onmessage = function (e) {
        try { onEvent(JSON.parse(e.data), ws); } catch (err) { /* not ours */ }
      };
      ws.onopen = function () {
        tries = 0;
        document.documentElement.dataset.live = "open";
      };
      ws.onclose = function (e) {
        // 4403: not allowed; 1006 with no server (runserver): stay a plain page.
        if (e.code === 4403 || tries > 4) return;
        tries += 1;
        setTimeout(open, 1000 * tries * tries);
      };
    }
    open();
    return { send: function (data) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(data)); } };
  }

  function chat(thread) {
    var me = thread.dataset.me;
    var typing = document.getElementById("typing");
    var form = document.getElementById("message-form");
    var errorBox = document.getElementById("message-error");
    var otherName = typing ? typing.textContent.replace(/ is writing….*$/, "") : "";
    var hideTyping = null;
    var link = socket(thread.dataset.chat, function (event) {
      if (event.type === "message") {
        if (thread.querySelector('[data-id="' + event.id + '"]')) return;
        var empty = thread.querySelector(".thread__empty");
        if (empty) empty.remove();
        thread.appendChild(render(event));
        if (typing) typing.hidden = true;
        if (event.sender !== me && !document.hidden) link.send({ type: "read" });
      } else if (event.type === "typing" && typing) {
        typing.hidden = false;
        clearTimeout(hideTyping);
        hideTyping = setTimeout(function () { typing.hidden = true; }, 4000);
      } else if (event.type === "read" && event.reader !== me) {
        thread.querySelectorAll(".msg--mine .msg__read").forEach(function (el) { el.textContent = "Read"; });
      }
    });
    if (!link) return;
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) link.send({ type: "read" });
    });

    // "2 Dec 2026, 14:05" (or "2:05 pm"): as the page writes its times, in the
    // viewer's zone and clock, to the minute.
    function shownTime(when) {
      var twelve = thread.dataset.clock === "12";
      var zone = thread.dataset.zone || undefined;
      try {
        var day = new Intl.DateTimeFormat("en-GB", { timeZone: zone, day: "numeric", month: "short", year: "numeric" });
        var clock = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: twelve ? "numeric" : "2-digit", minute: "2-digit", hour12: twelve });
        return day.format(when) + ", " + clock.format(when);
      } catch (err) {
        return when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
      }
    }

    function render(event) {
      var li = document.createElement("li");
      li.className = "msg" + (event.sender === me ? " msg--mine" : "");
      li.dataset.id = event.id;
      var meta = document.createElement("p");
      meta.className = "msg__meta";
      meta.textContent = (event.sender === me ? "You" : otherName) + " · ";
      var time = document.createElement("time");
      time.setAttribute("datetime", event.at);
      time.textContent = shownTime(new Date(event.at));
      meta.appendChild(time);
      if (event.sender === me) {
        var read = document.createElement("span");
        read.className = "msg__read";
        read.textContent = "Sent";
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(read);
      }
      li.appendChild(meta);
      if (event.body) {
        var body = document.createElement("p");
        body.className = "msg__body";
        body.textContent = event.body;
        li.appendChild(body);
      }
      if (event.attachments && event.attachments.length) {
        var list = document.createElement("ul");
        list.className = "msg__files";
        event.attachments.forEach(function (file) {
          var item = document.createElement("li");
          var a = document.createElement("a");
          a.href = thread.dataset.attachmentUrl.replace("0/", file.id + "/");
          a.textContent = file.name;
          item.appendChild(a);
          list.appendChild(item);
        });
        li.appendChild(list);
      }
      return li;
    }

    if (!form) return;
    var textarea = form.querySelector("textarea");
    var lastTyping = 0;
    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; link.send({ type: "typing" }); }
    });
    form.addEventListener("submit", function (e) {
      if (!window.fetch || !window.FormData) return;
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            form.reset();
            errorBox.hidden = true;
          } else {
            errorBox.textContent = data.error || "The message was not sent. Try again.";
            errorBox.hidden = false;
          }
        });
      }).catch(function () {
        form.submit();
      }).finally(function () { button.disabled = false; });
    });
  }

  function bookingUpdates(marker) {
    var reference = marker.dataset.liveBooking || "";
    socket("/ws/booking-updates/", function (event) {
      if (event.type !== "booking") return;
      if (reference && event.reference !== reference) return;
      if (reference) {
        // The page's actions depend on the state: load it afresh.
        location.reload();
        return;
      }
      var banner = document.getElementById("live-bookings-banner");
      if (!banner) {
        banner = document.createElement("div");
        banner.id = "live-bookings-banner";
        banner.className = "help-block help-info";
        banner.setAttribute("role", "status");
        var text = document.createElement("span");
        text.textContent = "A booking changed (" + event.reference + " is now " + event.status_label.toLowerCase() + "). ";
        var again = document.createElement("a");
        again.href = location.href;
        again.textContent = "Reload to see it";
        banner.appendChild(text);
        banner.appendChild(again);
        marker.prepend(banner);
      }
    });
  }

  var thread = document.querySelector("[data-chat]");
  if (thread) chat(thread);
  var marker = document.querySelector("[data-live-booking]");
  // In the admin, the dashboard and the calendar say when a visible booking changed.
  if (!marker && script && script.hasAttribute("data-admin-live") &&
      /^\/admin\/(calendar\/)?$/.test(location.pathname)) {
    marker = document.querySelector("main") || document.body;
  }
  if (marker) bookingUpdates(marker);
})();
