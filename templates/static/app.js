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

  // Character counters: <input|textarea maxlength data-counter>.
  function attachCounter(field) {
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var update = function () { counter.textContent = field.value.length + " / " + field.getAttribute("maxlength"); };
    field.addEventListener("input", update);
    update();
  }

  // Tagging hint while typing: asks the public classifier which track the text reads as.
  function attachClassifyHint(abstractField) {
    var hint = abstractField.parentElement.querySelector(".classify-hint");
    var title = document.getElementById("title");
    if (!hint || !window.fetch) return;
    var timer = null;
    var ask = function () {
      if (abstractField.value.trim().length < 50) { hint.hidden = true; return; }
      fetch("/api/v1/classify", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title: title ? title.value : "", abstract: abstractField.value })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
        if (!c) return;
        var name = c.track === "rust-for-linux" ? "Rust for Linux" : "Rust";
        hint.textContent = "This reads like a " + name + " proposal (" + Math.round(c.confidence * 100) + " % sure).";
        hint.hidden = false;
      }).catch(function () { hint.hidden = true; });
    };
    abstractField.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 600); });
  }

  // Confirm destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    document.querySelectorAll("[data-counter][maxlength]").forEach(attachCounter);
    document.querySelectorAll("textarea[data-classify]").forEach(attachClassifyHint);
  });
})();
