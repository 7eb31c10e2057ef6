/* Live countdowns on the supervisor pages. Each <time data-countdown datetime="ISO"> already
   shows the deadline's clock time (the page works without JavaScript); this adds the time left
   beside it, once a second, in an element of its own so screen readers are not spammed. */
(function () {
  "use strict";
  function left(ms) {
    if (ms <= 0) return "due now";
    var minutes = Math.floor(ms / 60000);
    var hours = Math.floor(minutes / 60);
    var seconds = Math.floor(ms / 1000) % 60;
    if (hours > 0) return hours + " h " + String(minutes % 60).padStart(2, "0") + " min left";
    if (minutes >= 10) return minutes + " min left";
    return minutes + " min " + String(seconds).padStart(2, "0") + " s left";
  }
  function elapsed(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " on shift";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var out = el.parentNode.querySelector("[data-countdown-left]");
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      if (out) {
        out.textContent = left(ms);
        out.classList.toggle("urgent", ms < 60 * 60000);
      }
    });
    document.querySelectorAll("time[data-elapsed]").forEach(function (el) {
      var out = el.parentNode.querySelector("[data-elapsed-out]");
      if (out) out.textContent = elapsed(now - Date.parse(el.getAttribute("datetime")));
    });
  }
  tick();
  setInterval(tick, 1000);
})();
