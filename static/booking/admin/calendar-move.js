// The admin calendar: drag a booking to another time on the week or day grid.
// The drop POSTs the new local start to the booking's move URL, which moves it
// through the reschedule service; a refusal shows the service's own message, a
// success reloads the calendar with its Undo button (hidden after its seconds).
// Without this script, the booking's "Move…" page does the same by keyboard.
(() => {
  "use strict";
  const root = document.querySelector(".haven-calendar[data-csrf]");
  if (!root) return;

  const undo = root.querySelector(".cal-undo");
  if (undo) {
    window.setTimeout(() => undo.remove(), Number(undo.dataset.seconds) * 1000);
  }

  const grid = root.querySelector(".cal-grid");
  const status = document.getElementById("cal-status");
  if (!grid) return;
  const firstHour = Number(grid.dataset.firstHour);
  const hours = Number(grid.dataset.hours);
  const step = Number(grid.dataset.grid) || 30;
  let dragged = null;
  let grab = 0;
  let hint = null;

  const pad = (n) => String(n).padStart(2, "0");
  const clock = (minutes) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

  function minutesAt(body, clientY) {
    const rect = body.getBoundingClientRect();
    const offset = ((clientY - grab - rect.top) / rect.height) * hours * 60;
    const minutes = Math.round((firstHour * 60 + offset) / step) * step;
    return Math.max(0, Math.min(minutes, 24 * 60 - step));
  }

  function accepts(body) {
    return (
      body &&
      dragged &&
      (!body.dataset.consultant || body.dataset.consultant === dragged.dataset.consultant)
    );
  }

  function clear() {
    if (dragged) dragged.classList.remove("is-dragging");
    if (hint) hint.remove();
    grid.querySelectorAll(".is-drop-target").forEach((el) => el.classList.remove("is-drop-target"));
    dragged = null;
    hint = null;
  }

  grid.addEventListener("dragstart", (event) => {
    const entry = event.target.closest(".cal-entry[draggable='true']");
    if (!entry) return;
    dragged = entry;
    grab = event.clientY - entry.getBoundingClientRect().top;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.dataset.reference);
    entry.classList.add("is-dragging");
  });

  grid.addEventListener("dragend", clear);

  grid.addEventListener("dragover", (event) => {
    const body = event.target.closest(".cal-col__body");
    if (!accepts(body)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    grid.querySelectorAll(".is-drop-target").forEach((el) => el !== body && el.classList.remove("is-drop-target"));
    body.classList.add("is-drop-target");
    const minutes = minutesAt(body, event.clientY);
    if (!hint) {
      hint = document.createElement("div");
      hint.className = "cal-drop-hint";
      hint.setAttribute("aria-hidden", "true");
    }
    if (hint.parentNode !== body) body.appendChild(hint);
    hint.style.top = `${((minutes - firstHour * 60) / (hours * 60)) * 100}%`;
    hint.style.height = `${dragged.offsetHeight}px`;
    hint.textContent = `${dragged.dataset.reference} → ${clock(minutes)}`;
  });

  grid.addEventListener("drop", (event) => {
    const body = event.target.closest(".cal-col__body");
    if (!accepts(body)) return;
    event.preventDefault();
    const entry = dragged;
    const start = `${body.dataset.day}T${clock(minutesAt(body, event.clientY))}`;
    clear();
    move(entry, start);
  });

  async function move(entry, start) {
    status.textContent = "";
    const data = new FormData();
    data.append("start", start);
    data.append("next", window.location.pathname + window.location.search);
    try {
      const response = await fetch(entry.dataset.moveUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
      });
      const answer = await response.json();
      if (answer.ok) {
        window.location.assign(answer.redirect);
        return;
      }
      status.textContent = answer.message;
    } catch (error) {
      status.textContent = `Booking ${entry.dataset.reference} was not moved: the server did not answer. Try again, or use “Move…”.`;
    }
  }
})();
