/* therabill charts: every <canvas data-chart="{…}"> becomes a Chart.js chart (chart.umd.min.js,
   served from /static, MIT licence in chart.LICENSE.md). The table beside each chart holds the
   same figures for print and screen readers; the canvas is decoration with an aria-label. */
(function () {
  "use strict";
  var money = function (v) { return "$" + Number(v).toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2}); };
  function draw(root) {
    if (typeof Chart === "undefined") { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var spec = JSON.parse(canvas.dataset.chart);
      var ticks = spec.money ? {callback: function (v) { return money(v); }} : {};
      new Chart(canvas, {
        type: spec.type,
        data: {labels: spec.labels, datasets: spec.datasets},
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: {legend: {display: spec.datasets.length > 1}, title: {display: false}},
          scales: spec.type === "doughnut" ? {} : {y: {beginAtZero: true, stacked: !!spec.stacked, ticks: ticks},
                                                    x: {stacked: !!spec.stacked}}
        }
      });
      canvas.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
