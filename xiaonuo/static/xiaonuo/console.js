// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

// Draws each chart from the JSON island beside it; the table next to it stays for no-JS readers.
function xnDrawCharts(root) {
  if (typeof echarts === "undefined") { document.documentElement.classList.remove("js"); return; }
  root.querySelectorAll("[data-xn-chart]").forEach(function (el) {
    const data = JSON.parse(document.getElementById(el.dataset.xnChart).textContent);
    const chart = echarts.init(el);
    chart.setOption({
      color: ["#0f7b6c"],
      animationDuration: 300,
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values, barMaxWidth: 36, itemStyle: { borderRadius: [4, 4, 0, 0] } }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
}
document.addEventListener("DOMContentLoaded", function () { xnDrawCharts(document); });
