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
    if (spec.kind === "sankey") {
      base.tooltip = { trigger: "item" };
      base.series = [{
        type: "sankey", data: spec.nodes, links: spec.links, left: 10, right: 110, top: 10, bottom: 10,
        emphasis: { focus: "adjacency" }, label: { color: text }, lineStyle: { color: "gradient", opacity: 0.4 },
      }];
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

  // The rule builder: counts the customers a rule selects as the analyst types.
  function say(out, label, value, isCount) {
    out.textContent = label + " ";
    var data = document.createElement(isCount ? "strong" : "span");
    data.setAttribute("translate", "no");
    if (isCount) { data.setAttribute("data-count", ""); }
    data.textContent = value;
    out.appendChild(data);
  }

  function liveCount(form) {
    var input = form.querySelector("input[name=rule]");
    var out = form.querySelector("[role=status]");
    var mirror = document.querySelector("input[data-mirror=rule]");
    var timer = null;
    input.addEventListener("input", function () {
      if (mirror) { mirror.value = input.value; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!input.value.trim()) { return; }
        fetch("/api/v1/segments/rules/count", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": form.getAttribute("data-csrf") },
          body: JSON.stringify({ expression: input.value })
        }).then(function (response) {
          return response.json().then(function (body) {
            if (response.ok) {
              var number = new Intl.NumberFormat(document.documentElement.lang).format(body.size);
              say(out, out.getAttribute("data-matches"), number, true);
            } else {
              say(out, out.getAttribute("data-invalid"), body.message || "", false);
            }
          });
        });
      }, 300);
    });
  }

  function start() {
    draw();
    document.querySelectorAll("form[data-live-count]").forEach(liveCount);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
