/* The staff dashboards' charts: each <canvas data-chart="name"> is drawn from the JSON of the
   same name (json_script), the figures of the table beside it. Without JavaScript, or if
   Chart.js fails to load, the tables stand alone. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#a11", "#d97706", "#1d4ed8", "#0e7490", "#15803d"];
  var kinds = { books: "bar", days: "line", waiting: "bar" };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var name = canvas.getAttribute("data-chart");
    var figures = data[name];
    if (!figures) return;
    var stacked = figures.series.length > 1;
    new Chart(canvas, {
      type: kinds[name] || "bar",
      data: {
        labels: figures.labels,
        datasets: figures.series.map(function (s, i) {
          var colour = stacked ? palette[i % palette.length] : "#1d4ed8";
          return { label: s.label, data: s.data, backgroundColor: colour, borderColor: colour, tension: 0.2 };
        })
      },
      options: {
        indexAxis: name === "waiting" ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: stacked } },
        scales: {
          x: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  });
})();
