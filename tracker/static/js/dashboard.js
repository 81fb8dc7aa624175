// Live dashboard: polls the figures as JSON and updates the numbers and charts in place, without a reload.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var url = root.getAttribute("data-url");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 2000;
  var state = root.querySelector("[data-dashboard-state]");
  var toggle = root.querySelector("[data-dashboard-toggle]");
  var charts = root.querySelector(".dashboard__charts");
  var paused = false;
  var timer = null;

  function say(text) {
    if (state.textContent !== text) { state.textContent = text; }
  }

  function applyValues(values) {
    root.querySelectorAll("[data-figure]").forEach(function (element) {
      var key = element.getAttribute("data-figure");
      if (Object.prototype.hasOwnProperty.call(values, key) && element.textContent !== values[key]) {
        element.textContent = values[key];
      }
    });
  }

  function applyCharts(rendered) {
    var keys = Object.keys(rendered);
    if (!keys.length) { return; }
    var open = {};
    charts.querySelectorAll("details[data-details]").forEach(function (details) {
      open[details.getAttribute("data-details")] = details.open;
    });
    var html = keys.map(function (key) {
      return '<div data-chart-slot="' + key + '">' + rendered[key] + "</div>";
    }).join("");
    charts.innerHTML = html;
    charts.querySelectorAll("details[data-details]").forEach(function (details) {
      details.open = Boolean(open[details.getAttribute("data-details")]);
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!paused) { timer = window.setTimeout(update, interval); }
  }

  function update() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || !json) { throw new Error("login"); }
        if (!response.ok) { throw new Error("status"); }
        return response.json();
      })
      .then(function (payload) {
        if (paused) { return; }
        applyValues(payload.values);
        applyCharts(payload.charts);
        root.setAttribute("data-phase", payload.phase);
        say("");
        schedule();
      })
      .catch(function (error) {
        if (paused) { return; }
        if (error.message === "login") {
          say(root.getAttribute("data-login-text"));
          return;
        }
        say(root.getAttribute("data-error-text"));
        schedule();
      });
  }

  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = root.getAttribute(paused ? "data-resume-text" : "data-pause-text");
    say(paused ? root.getAttribute("data-paused-text") : "");
    if (paused) { window.clearTimeout(timer); } else { update(); }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { window.clearTimeout(timer); } else if (!paused) { update(); }
  });

  schedule();
}());
