// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Deadline countdowns: <time datetime="…" data-countdown>.
  function renderCountdown(el) {
    var end = Date.parse(el.getAttribute("datetime"));
    if (isNaN(end)) return;
    var left = Math.max(0, end - Date.now());
    var days = Math.floor(left / 86400000);
    var hours = Math.floor((left % 86400000) / 3600000);
    var minutes = Math.floor((left % 3600000) / 60000);
    el.textContent = left === 0 ? "the deadline has passed"
      : days + " d " + hours + " h " + minutes + " min left";
  }
  function tick() { document.querySelectorAll("time[data-countdown]").forEach(renderCountdown); }
  // Confirm destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
})();
