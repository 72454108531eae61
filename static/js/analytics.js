// /analytics/: GET /api/calls/analytics's figures (embedded in the page) drawn with Chart.js.
(function () {
  "use strict";
  const node = document.getElementById("analytics-data");
  if (!node || typeof window.Chart === "undefined") return;
  const data = JSON.parse(node.textContent);
  const Chart = window.Chart;
  const COLORS = { total: "#2453d6", success: "#1f9d55", failed: "#d64545", missed: "#d69e2e", terminated: "#6b7280",
                   "in-progress": "#7c3aed", ringing: "#0891b2", queued: "#94a3b8" };
  const PALETTE = ["#2453d6", "#1f9d55", "#d69e2e", "#d64545", "#7c3aed", "#0891b2", "#db2777", "#6b7280"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : Chart.defaults.animation;

  const days = data.dailyTrends.map(function (row) { return row._id.slice(5); });
  new Chart(document.getElementById("chart-daily"), {
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
    options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  new Chart(document.getElementById("chart-hourly"), {
    type: "bar",
    data: {
      labels: data.hourlyDistribution.map(function (r) { return String(r._id).padStart(2, "0") + ":00"; }),
      datasets: [{ label: "Calls", data: data.hourlyDistribution.map(function (r) { return r.count; }), backgroundColor: COLORS.total }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  new Chart(document.getElementById("chart-duration"), {
    type: "bar",
    data: {
      labels: days,
      datasets: [{ label: "Average duration (s)", data: data.dailyTrends.map(function (r) { return r.averageDuration; }), backgroundColor: "#0891b2" }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });

  new Chart(document.getElementById("chart-language"), {
    type: "doughnut",
    data: {
      labels: data.languageDistribution.map(function (r) { return r._id; }),
      datasets: [{ data: data.languageDistribution.map(function (r) { return r.count; }), backgroundColor: PALETTE }],
    },
    options: { plugins: { legend: { position: "right" } } },
  });

  const statuses = data.statusDistribution.filter(function (r) { return r.count > 0; });
  new Chart(document.getElementById("chart-status"), {
    type: "doughnut",
    data: {
      labels: statuses.map(function (r) { return r._id; }),
      datasets: [{ data: statuses.map(function (r) { return r.count; }), backgroundColor: statuses.map(function (r) { return COLORS[r._id] || "#999"; }) }],
    },
    options: { plugins: { legend: { position: "right" } } },
  });
  document.body.dataset.chartsReady = "true";
})();
