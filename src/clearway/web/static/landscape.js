// The landscape charts, drawn with Apache ECharts (vendored under /static/vendor/echarts) from
// /landscape/data.json — the same figures the page shows as tables.
(function () {
  "use strict";

  var charts = [];
  var US = ["#123f73", "#2f6db3", "#5b9bd5", "#8fb8e3", "#1f5f5f", "#3d8c8c", "#6a51a3", "#9e9ac8"];
  var CN_COLOR = "#b3261e";
  var OTHER_COLOR = "#8a96a3";

  function el(id) { return document.getElementById(id); }

  function make(id, option) {
    var node = el(id);
    if (!node) return null;
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.on("finished", function () { node.setAttribute("data-rendered", "true"); });
    option.animation = false;
    // Tooltips drawn in the canvas, not as HTML with inline styles (which the pages' CSP forbids).
    if (option.tooltip) option.tooltip.renderMode = "richText";
    option.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily };
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function narrow() { return window.innerWidth < 700; }

  function listsChart(d, L) {
    var rows = d.lists.filter(function (r) { return r.entries > 0; });
    var cats = rows.map(function (r) { return r.code; });
    make("chart-lists", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "log", name: L["chart.entries"], nameLocation: "middle", nameGap: 24, min: 1 },
      yAxis: { type: "category", data: cats, inverse: true, axisLabel: { interval: 0 } },
      series: [
        { name: L["chart.china"], type: "bar", data: rows.map(function (r) { return r.china || null; }),
          itemStyle: { color: CN_COLOR }, label: { show: !narrow(), position: "right", fontSize: 10 } },
        { name: L["chart.all"], type: "bar", data: rows.map(function (r) { return r.entries; }),
          itemStyle: { color: OTHER_COLOR }, label: { show: !narrow(), position: "right", fontSize: 10 } }
      ]
    });
    var node = el("chart-lists");
    if (node) node.style.height = Math.max(360, cats.length * 34 + 60) + "px";
  }

  function countryName(code, lang) {
    try {
      var names = new Intl.DisplayNames([lang === "zh" ? "zh-Hans" : "en"], { type: "region" });
      return names.of(code) || code;
    } catch (e) { return code; }
  }

  function countriesChart(d, L) {
    var select = el("country-list");
    var chart = null;
    function draw() {
      var key = select ? select.value : "all";
      var counts = d.countries[key] || {};
      var top = Object.keys(counts).filter(function (c) { return c !== "??"; })
        .sort(function (a, b) { return counts[b] - counts[a]; }).slice(0, 20);
      var option = {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", inverse: true, axisLabel: { interval: 0 },
                 data: top.map(function (c) { return countryName(c, d.lang) + " (" + c + ")"; }) },
        series: [{ name: L["chart.entries"], type: "bar", label: { show: true, position: "right", fontSize: 10 },
                   data: top.map(function (c) {
                     return { value: counts[c], itemStyle: { color: (c === "CN" || c === "HK" || c === "MO") ? CN_COLOR : US[0] } };
                   }) }]
      };
      if (chart) chart.setOption(option, true); else chart = make("chart-countries", option);
    }
    if (select) select.addEventListener("change", draw);
    draw();
  }

  function yearSeries(byYear, minYear) {
    var years = {};
    Object.keys(byYear).forEach(function (code) {
      Object.keys(byYear[code]).forEach(function (y) { if (+y >= minYear) years[y] = true; });
    });
    var ys = Object.keys(years).map(Number).sort(function (a, b) { return a - b; });
    if (!ys.length) return { years: [], series: [] };
    var all = [];
    for (var y = ys[0]; y <= ys[ys.length - 1]; y++) all.push(String(y));
    var series = Object.keys(byYear).map(function (code) {
      return { name: code, type: "bar", stack: "year", emphasis: { focus: "series" },
               data: all.map(function (y) { return byYear[code][y] || 0; }) };
    });
    return { years: all, series: series };
  }

  function yearChart(id, byYear, L, minYear) {
    var s = yearSeries(byYear, minYear);
    make(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: s.years, name: L["chart.year"], nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", name: L["chart.entries"] },
      dataZoom: [{ type: "inside" }],
      series: s.series
    });
  }

  function sectorsChart(d, L) {
    var sectors = Object.keys(d.sectors);
    var codes = {};
    sectors.forEach(function (s) { Object.keys(d.sectors[s]).forEach(function (c) { codes[c] = true; }); });
    var series = Object.keys(codes).map(function (code) {
      return { name: code, type: "bar", stack: "sector",
               data: sectors.map(function (s) { return d.sectors[s][code] || 0; }) };
    });
    make("chart-sectors", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: L["chart.entries"] },
      yAxis: { type: "category", inverse: true, axisLabel: { interval: 0 },
               data: sectors.map(function (s) { return L["chart.sector." + s] || s; }) },
      series: series
    });
  }

  function additionsChart(d, L) {
    if (!el("chart-additions")) return;
    var cats = [], china = [], other = [], removed = [];
    d.additions.forEach(function (a) {
      a.by_list.forEach(function (r) {
        if (!r.added && !r.removed) return;
        cats.push(r.code + (d.additions.length > 1 ? " · " + a.source : ""));
        china.push(r.china);
        other.push(r.added - r.china);
        removed.push(r.removed);
      });
    });
    make("chart-additions", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: cats, inverse: true, axisLabel: { interval: 0 } },
      series: [
        { name: L["chart.added_china"], type: "bar", stack: "added", data: china, itemStyle: { color: CN_COLOR } },
        { name: L["chart.added"], type: "bar", stack: "added", data: other, itemStyle: { color: US[0] } },
        { name: L["chart.removed"], type: "bar", data: removed, itemStyle: { color: OTHER_COLOR } }
      ]
    });
    var node = el("chart-additions");
    node.style.height = Math.max(300, cats.length * 40 + 60) + "px";
  }

  function draw(d) {
    var L = d.labels || {};
    listsChart(d, L);
    countriesChart(d, L);
    yearChart("chart-years", d.by_year, L, 1990);
    yearChart("chart-china-years", d.china_by_year, L, 1990);
    sectorsChart(d, L);
    additionsChart(d, L);
    charts.forEach(function (c) { c.resize(); });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = el("landscape");
    if (!root || typeof echarts === "undefined") {
      if (el("chart-error")) el("chart-error").hidden = false;
      return;
    }
    fetch(root.getAttribute("data-src"), { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(draw)
      .catch(function () { el("chart-error").hidden = false; });
  });
})();
