// /analytics/: GET /api/calls/analytics's figures (embedded in the page) drawn with Chart.js. A click on a
// point, bar or slice opens the calls it counts (the addresses come with the page: #analytics-links).
(function () {
  "use strict";
  const node = document.getElementById("analytics-data");
  if (!node || typeof window.Chart === "undefined") return;
  const data = JSON.parse(node.textContent);
  const linksNode = document.getElementById("analytics-links");
  const links = linksNode ? JSON.parse(linksNode.textContent) : {};
  const Chart = window.Chart;
  const charts = {};

  // Chart.js's onClick: the element under the pointer, and the address `pick(datasetIndex, index)` gives for it.
  function opens(pick) {
    return {
      onClick: function (event, elements) {
        if (!elements.length) return;
        const url = pick(elements[0].datasetIndex, elements[0].index);
        if (url) window.location.assign(url);
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
    };
  }
  const COLORS = { total: "#2453d6", success: "#1f9d55", failed: "#d64545", missed: "#d69e2e", terminated: "#6b7280",
                   "in-progress": "#7c3aed", ringing: "#0891b2", queued: "#94a3b8" };
  const PALETTE = ["#2453d6", "#1f9d55", "#d69e2e", "#d64545", "#7c3aed", "#0891b2", "#db2777", "#6b7280"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : Chart.defaults.animation;

  const days = data.dailyTrends.map(function (row) { return row._id.slice(5); });
  const hourLabels = data.hourlyDistribution.map(function (r) { return String(r._id).padStart(2, "0") + ":00"; });
  const dailyCanvas = document.getElementById("chart-daily");
  if (dailyCanvas.dataset.byHour === "true") {
    // Today: one day's trend is a single point, so its hours instead.
    charts.daily = new Chart(dailyCanvas, {
      type: "bar",
      data: { labels: hourLabels, datasets: [{ label: "Calls", data: data.hourlyDistribution.map(function (r) { return r.count; }), backgroundColor: COLORS.total }] },
      options: Object.assign({ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
                             opens(function (d, i) { return links.hours && links.hours[i]; })),
    });
  } else {
    const series = ["count", "successful", "failed", "missed"];
    charts.daily = new Chart(dailyCanvas, {
      type: "line",
      data: {
        labels: days,
        datasets: [
          { label: "Calls", data: data.dailyTrends.map(function (r) { return r.count; }), borderColor: COLORS.total, backgroundColor: COLORS.total + "22", fill: true, tension: 0.3 },
          { label: "Successful", data: data.dailyTrends.map(function (r) { return r.successful; }), borderColor: COLORS.success, tension: 0.3 },
          { label: "Failed", data: data.dailyTrends.map(function (r) { return r.failed; }), borderColor: COLORS.failed, tension: 0.3 },
          { label: "Missed", data: data.dailyTrends.map(function (r) { return r.missed; }), borderColor: COLORS.missed, tension: 0.3 },
        ],
      },
      options: Object.assign({ interaction: { mode: "nearest", intersect: true }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
                             opens(function (d, i) { return links.days && links.days[series[d]][i]; })),
    });
  }

  charts.hourly = new Chart(document.getElementById("chart-hourly"), {
    type: "bar",
    data: {
      labels: hourLabels,
      datasets: [{ label: "Calls", data: data.hourlyDistribution.map(function (r) { return r.count; }), backgroundColor: COLORS.total }],
    },
    // Over several days an hour of the day is no one range of calls: its bars open calls only for Today.
    options: Object.assign({ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
                           links.hours ? opens(function (d, i) { return links.hours[i]; }) : {}),
  });

  charts.duration = new Chart(document.getElementById("chart-duration"), {
    type: "bar",
    data: {
      labels: days,
      datasets: [{ label: "Average duration (s)", data: data.dailyTrends.map(function (r) { return r.averageDuration; }), backgroundColor: "#0891b2" }],
    },
    options: Object.assign({ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
                           opens(function (d, i) { return links.days && links.days.count[i]; })),
  });

  charts.language = new Chart(document.getElementById("chart-language"), {
    type: "doughnut",
    data: {
      labels: data.languageDistribution.map(function (r) { return r._id; }),
      datasets: [{ data: data.languageDistribution.map(function (r) { return r.count; }), backgroundColor: PALETTE }],
    },
    options: Object.assign({ plugins: { legend: { position: "right" } } }, opens(function (d, i) { return links.languages && links.languages[i]; })),
  });

  const statuses = data.statusDistribution.filter(function (r) { return r.count > 0; });
  charts.status = new Chart(document.getElementById("chart-status"), {
    type: "doughnut",
    data: {
      labels: statuses.map(function (r) { return r._id; }),
      datasets: [{ data: statuses.map(function (r) { return r.count; }), backgroundColor: statuses.map(function (r) { return COLORS[r._id] || "#999"; }) }],
    },
    options: Object.assign({ plugins: { legend: { position: "right" } } }, opens(function (d, i) { return links.statuses && links.statuses[statuses[i]._id]; })),
  });
  // For the browser tests: where a chart's element is drawn, to click it as a person would.
  window.CallcenterCharts = {
    at: function (name, datasetIndex, index) {
      const chart = charts[name];
      const element = chart.getDatasetMeta(datasetIndex).data[index];
      const point = element.tooltipPosition();
      const box = chart.canvas.getBoundingClientRect();
      // A bar's middle (its tooltip sits on its top edge); a slice's or a point's tooltip position.
      const y = typeof element.base === "number" ? (element.y + element.base) / 2 : point.y;
      return { x: box.left + point.x, y: box.top + y };
    },
    labels: function (name) { return charts[name].data.labels.slice(); },
  };
  document.body.dataset.chartsReady = "true";
})();
