// The auto-reply metrics chart: answered and handed-off questions per day, stacked. The table
// beside it shows the same numbers when scripts or ECharts are unavailable.
function xnAutoreplyCharts(root) {
  if (typeof echarts === "undefined") { return; }
  root.querySelectorAll("[data-xn-autoreply-chart]").forEach(function (el) {
    const data = JSON.parse(document.getElementById(el.dataset.xnAutoreplyChart).textContent);
    const chart = echarts.init(el);
    chart.setOption({
      color: ["#0f7b6c", "#e0a100"],
      animationDuration: 300,
      grid: { left: 40, right: 16, top: 32, bottom: 40 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.values, barMaxWidth: 24 };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
}
document.addEventListener("DOMContentLoaded", function () { xnAutoreplyCharts(document); });
