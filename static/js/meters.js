// Meters (billing usage, AI agents' training): each bar's width from its data attribute (no inline styles under the page's CSP).
(function () {
  "use strict";
  document.querySelectorAll(".meter > span[data-width]").forEach(function (bar) {
    bar.style.width = Math.min(100, Math.max(0, Number(bar.dataset.width) || 0)) + "%";
  });
})();
