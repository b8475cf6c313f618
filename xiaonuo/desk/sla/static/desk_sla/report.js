// The SLA report's chart: met rates per period, one line per target. The table below it stays
// for readers without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") { return; }
  document.querySelectorAll("[data-xn-sla-chart]").forEach(function (el) {
    const data = JSON.parse(document.getElementById(el.dataset.xnSlaChart).textContent);
    const chart = echarts.init(el);
    chart.setOption({
      color: ["#0f7b6c", "#d9822b"],
      animationDuration: 300,
      grid: { left: 48, right: 16, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === "" || v === null ? "—" : v + "%"; } },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "line", connectNulls: true, data: s.values.map(function (v) { return v === "" ? null : Number(v); }) };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
