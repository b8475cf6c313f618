// Charts of the analytics pages, drawn from the JSON island each chart names. Progressive
// enhancement: every number is also in the table beside the chart (the retention table is
// coloured as a heat map), so the pages work without JavaScript or without ECharts' full build.
(function () {
  const COLORS = ["#0f7b6c", "#3b82f6", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#64748b",
                  "#ec4899", "#84cc16", "#f97316", "#06b6d4", "#a855f7"];

  function full() {
    const holder = document.getElementById("xn-report-results");
    return holder && holder.dataset.echartsFull === "1";
  }

  function axisUnit(data) { return data.unit ? "{value}" + data.unit : "{value}"; }

  function option(data) {
    const base = { color: COLORS, animationDuration: 300, tooltip: { trigger: "axis" } };
    if (data.kind === "heatmap") {
      return Object.assign(base, {
        tooltip: { position: "top" },
        grid: { left: 90, right: 16, top: 16, bottom: 70 },
        xAxis: { type: "category", data: data.x, splitArea: { show: true } },
        yAxis: { type: "category", data: data.y, splitArea: { show: true }, inverse: true },
        visualMap: { min: 0, max: data.max || 1, calculable: true, orient: "horizontal",
                     left: "center", bottom: 0, inRange: { color: ["#f0faf8", "#0f7b6c"] } },
        series: [{ type: "heatmap", data: data.cells, label: { show: data.cells.length <= 400 } }],
      });
    }
    if (data.kind === "funnel" && full()) {
      return Object.assign(base, {
        tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", data: data.series,
                   label: { formatter: "{b}: {c}" } }],
      });
    }
    if (data.kind === "funnel") {
      return Object.assign(base, {
        grid: { left: 140, right: 24, top: 16, bottom: 24 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.series.map(function (s) { return s.name; }) },
        series: [{ type: "bar", data: data.series.map(function (s) { return s.value; }) }],
      });
    }
    const stacked = data.kind === "stack";
    const series = data.series.map(function (s) {
      const one = { name: s.name, data: s.data, type: data.kind === "lines" ? "line" : "bar",
                    showSymbol: false, barMaxWidth: 36 };
      if (stacked) { one.stack = "all"; }
      return one;
    });
    if (data.reference) {
      series[0].markLine = { symbol: "none", lineStyle: { type: "dashed", color: "#ef4444" },
                             label: { formatter: data.reference_label },
                             data: [{ yAxis: data.reference }] };
    }
    return Object.assign(base, {
      legend: { top: 0, type: "scroll" },
      grid: { left: 56, right: 24, top: 36, bottom: 40 },
      xAxis: { type: "category", data: data.x },
      yAxis: { type: "value", axisLabel: { formatter: axisUnit(data) } },
      series: series,
    });
  }

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-xn-analytics]").forEach(function (el) {
      const island = document.getElementById(el.dataset.xnAnalytics);
      if (!island) { return; }
      const data = JSON.parse(island.textContent);
      if (data.kind === "heatmap" && !full()) { el.hidden = true; return; }  // the table shows it
      const chart = echarts.init(el);
      chart.setOption(option(data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target.parentNode || document); });
  // A 400 carries the form's errors as HTML: show it instead of htmx's default of dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
})();
