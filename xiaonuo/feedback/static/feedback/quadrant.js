// The product × service quadrant: the month-by-month trajectory as a line of points, the
// stores as a scatter. Data comes from the page (json_script); without ECharts the tables stand.
(function () {
  "use strict";
  function draw() {
    const el = document.getElementById("xn-quadrant");
    if (!el || typeof echarts === "undefined") { return; }
    const data = JSON.parse(document.getElementById("xn-quadrant-data").textContent);
    const chart = echarts.init(el);
    const trajectory = data.trajectory.map(function (p) { return [p.x, p.y, p.label]; });
    const stores = data.stores.map(function (p) { return [p.x, p.y, p.label]; });
    chart.setOption({
      animationDuration: 300,
      grid: { left: 50, right: 30, top: 30, bottom: 50 },
      tooltip: { formatter: function (p) { return p.value[2] + "<br>" + data.axisX + " " + p.value[0] + " · " + data.axisY + " " + p.value[1]; } },
      legend: { data: [data.trajectoryName, data.storesName], bottom: 0 },
      xAxis: { name: data.axisX, min: -100, max: 100, splitLine: { show: false } },
      yAxis: { name: data.axisY, min: -100, max: 100, splitLine: { show: false } },
      series: [
        { name: data.storesName, type: "scatter", data: stores, symbolSize: 9, itemStyle: { color: "#9aa5b1" },
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#ccc" }, data: [{ xAxis: 0 }, { yAxis: 0 }] } },
        { name: data.trajectoryName, type: "line", data: trajectory, symbolSize: 8, itemStyle: { color: "#0f7b6c" },
          label: { show: true, formatter: function (p) { return p.value[2].slice(2); }, position: "top", fontSize: 10 } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
