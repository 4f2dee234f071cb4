/* logward dashboard charts. Reads data from same-origin JSON endpoints named in
 * each canvas's data-src; no inline script anywhere (CSP script-src 'self'). */
(function () {
  "use strict";
  var PALETTE = ["#2457c5", "#c0392b", "#d68910", "#1e7e34", "#8e44ad", "#16a085",
                 "#7f8c8d", "#e67e22", "#2c3e50", "#b03a2e"];
  var SEVERITY = { critical: "#8b0000", high: "#c0392b", medium: "#d68910", low: "#2e86c1" };

  function fmtTime(epoch) {
    var d = new Date(epoch * 1000);
    return d.toISOString().slice(5, 16).replace("T", " ");
  }

  function stacked(labels, series, colours) {
    var names = Object.keys(series);
    return {
      type: "bar",
      data: {
        labels: labels.map(fmtTime),
        datasets: names.map(function (name, i) {
          return { label: name, data: series[name],
                   backgroundColor: (colours && colours[name]) || PALETTE[i % PALETTE.length] };
        })
      },
      options: { animation: false, maintainAspectRatio: false,
                 scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
    };
  }

  function rate(chart) {
    var anomalies = {};
    chart.anomalies.forEach(function (t) { anomalies[t] = true; });
    var points = chart.labels.map(function (t, i) {
      return anomalies[t] ? chart.counts[i] : null;
    });
    return {
      type: "line",
      data: {
        labels: chart.labels.map(fmtTime),
        datasets: [
          { label: "per minute", data: chart.counts, borderColor: "#2457c5", pointRadius: 0,
            borderWidth: 1.5, order: 1 },
          { label: "baseline upper", data: chart.upper, borderColor: "rgba(30,126,52,0.5)",
            backgroundColor: "rgba(30,126,52,0.12)", pointRadius: 0, borderWidth: 1,
            fill: "+1", order: 3 },
          { label: "baseline lower", data: chart.lower, borderColor: "rgba(30,126,52,0.5)",
            pointRadius: 0, borderWidth: 1, fill: false, order: 3 },
          { label: "anomaly", data: points, borderColor: "#c0392b", backgroundColor: "#c0392b",
            showLine: false, pointRadius: 4, order: 0 }
        ]
      },
      options: { animation: false, maintainAspectRatio: false, spanGaps: false,
                 scales: { y: { beginAtZero: true } } }
    };
  }

  var BUILDERS = {
    "alerts-rule": function (d) { return stacked(d.alerts.labels, d.alerts.by_rule); },
    "alerts-severity": function (d) {
      return stacked(d.alerts.labels, d.alerts.by_severity, SEVERITY);
    },
    "rate-failures": function (d) { return rate(d.failures); },
    "rate-requests": function (d) { return rate(d.requests); },
    "scrub": function (d) { return stacked(d.scrub.labels, d.scrub.by_entity); },
    "evidence": function (d) {
      var pm = d.per_minute;
      return {
        type: "bar",
        data: { labels: pm.labels.map(fmtTime), datasets: [
          { label: "failures", data: pm.failures, backgroundColor: "#c0392b" },
          { label: "all events", data: pm.total, backgroundColor: "rgba(36,87,197,0.45)" }
        ] },
        options: { animation: false, maintainAspectRatio: false,
                   scales: { y: { beginAtZero: true } } }
      };
    }
  };

  function draw(canvas, data) {
    var build = BUILDERS[canvas.dataset.chart];
    if (!build) { return; }
    new window.Chart(canvas, build(data));
    canvas.dataset.rendered = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var canvases = document.querySelectorAll("canvas[data-chart][data-src]");
    var bySource = {};
    canvases.forEach(function (c) {
      (bySource[c.dataset.src] = bySource[c.dataset.src] || []).push(c);
    });
    Object.keys(bySource).forEach(function (src) {
      fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (!r.ok) { throw new Error("chart data: HTTP " + r.status); }
          return r.json();
        })
        .then(function (data) { bySource[src].forEach(function (c) { draw(c, data); }); })
        .catch(function (err) {
          bySource[src].forEach(function (c) { c.dataset.error = String(err.message); });
        });
    });
  });
})();
