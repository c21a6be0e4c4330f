/* Draws every <div data-chart="ID"> from the JSON in <script type="application/json" id="ID">
 * (Django's json_script): {"data": [...], "layout": {...}, "config": {...}}, a plotly figure
 * built on the server. No inline script is needed, so the content security policy holds.
 * Charts inside content swapped in by htmx are drawn when they arrive.
 */
(function () {
  "use strict";

  var BASE_CONFIG = { responsive: true, displaylogo: false, locale: document.documentElement.lang || "vi" };

  function drawChart(element) {
    if (element.dataset.chartDrawn === "1" || typeof window.Plotly === "undefined") {
      return;
    }
    var source = document.getElementById(element.dataset.chart);
    if (!source) {
      return;
    }
    var figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (error) {
      console.error("charts.js: invalid JSON in #" + element.dataset.chart, error);
      return;
    }
    var config = Object.assign({}, BASE_CONFIG, figure.config || {});
    element.dataset.chartDrawn = "1";
    window.Plotly.newPlot(element, figure.data || [], figure.layout || {}, config);
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-chart]")) {
      drawChart(scope);
    }
    scope.querySelectorAll("[data-chart]").forEach(drawChart);
  }

  window.kpiCharts = { drawAll: drawAll };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  document.addEventListener("htmx:load", function (event) { drawAll(event.detail.elt); });
})();
