// /live/'s waiting callers: each wait counts up every second and turns red past its store's service level.
(function () {
  "use strict";
  const rows = document.querySelectorAll("#queue [data-waited]");
  if (!rows.length) return;
  const opened = Date.now();
  function tick() {
    const extra = Math.floor((Date.now() - opened) / 1000);
    rows.forEach(function (row) {
      const waited = Number(row.dataset.waited) + extra;
      const m = Math.floor(waited / 60), s = String(waited % 60).padStart(2, "0");
      row.querySelector(".wait").textContent = m + ":" + s;
      row.classList.toggle("late", waited > Number(row.dataset.level));
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
