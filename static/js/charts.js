/* Draws every <div data-chart="ID"> from the JSON in <script type="application/json" id="ID">
 * (Django's json_script): {"data": [...], "layout": {...}, "config": {...}}, a plotly figure
 * built on the server. No inline script is needed, so the content security policy holds.
 * Charts inside content swapped in by htmx are drawn when they arrive.
 */
(function () {
  "use strict";

  var BASE_CONFIG = { responsive: true, displaylogo: false, locale: document.documentElement.lang || "vi" };

  /* plotly.js reads every label as a little HTML (<b>, <i>, <br>, <span style=...>, <a href>):
   * an agency or domain name holding such a tag would be drawn bold or as a link, and plotly
   * would set a style attribute for it, which the content security policy refuses (a console
   * error). Names are data, so every string of the figure is escaped (& < > as entities, which
   * plotly shows as the characters), except the hover and text templates the server writes
   * (they hold plotly's own <extra></extra>). */
  function plainText(value, key) {
    if (typeof value === "string") {
      if (/template$/i.test(key || "")) {
        return value;
      }
      return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }
    if (Array.isArray(value)) {
      return value.map(function (item) { return plainText(item, key); });
    }
    if (value !== null && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (name) { copy[name] = plainText(value[name], name); });
      return copy;
    }
    return value;
  }

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
    window.Plotly.newPlot(element, plainText(figure.data || []), plainText(figure.layout || {}), config);
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
