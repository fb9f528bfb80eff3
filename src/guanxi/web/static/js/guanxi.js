// Guanxi's workspace: draws every [data-chart] with the vendored ECharts. No inline script anywhere.
(function () {
  "use strict";

  function option(spec, dark) {
    var text = dark ? "#e5e7eb" : "#1f2937";
    var base = { textStyle: { color: text }, tooltip: {}, animation: false };
    if (spec.kind === "pie") {
      base.tooltip = { trigger: "item" };
      base.legend = { bottom: 0, type: "scroll", textStyle: { color: text } };
      base.series = [{ type: "pie", radius: ["35%", "65%"], data: spec.data, label: { color: text } }];
      return base;
    }
    base.tooltip = { trigger: "axis" };
    base.grid = { left: 80, right: 20, top: 30, bottom: spec.kind === "bar" ? 80 : 40 };
    base.xAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: { color: text, interval: 0, rotate: spec.kind === "bar" ? 30 : 0 },
    };
    base.yAxis = { type: "value", axisLabel: { color: text } };
    base.legend = { top: 0, textStyle: { color: text } };
    base.series = (spec.series || []).map(function (s) {
      return { type: spec.kind === "bar" ? "bar" : "line", name: s.name, data: s.data, smooth: spec.kind === "line" };
    });
    return base;
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var dark = document.documentElement.getAttribute("data-theme") === "dark";
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = JSON.parse(el.getAttribute("data-chart"));
      var chart = echarts.init(el, dark ? "dark" : null, { renderer: "svg" });
      chart.setOption(option(spec, dark));
      el.setAttribute("data-drawn", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
