// Live dashboard: polls the figures as JSON and updates the numbers and charts in place, without a reload and
// without moving keyboard focus.
import { setText } from "./text.js";

function followFigures(root) {
  var url = root.getAttribute("data-url");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 2000;
  var state = root.querySelector("[data-dashboard-state]");
  var toggle = root.querySelector("[data-dashboard-toggle]");
  var charts = root.querySelector(".dashboard__charts");
  var paused = false;
  var timer = null;

  function say(text) {
    setText(state, text);
  }

  function applyValues(values) {
    root.querySelectorAll("[data-figure]").forEach(function (element) {
      var key = element.getAttribute("data-figure");
      if (Object.prototype.hasOwnProperty.call(values, key)) { setText(element, values[key]); }
    });
  }

  // Make `target` equal to `source` by changing attributes, texts and nodes in place: an element that stays keeps
  // its identity, so keyboard focus (the table toggle, a table region) and a screen reader's place survive an
  // update. Whether a table is open is the user's choice, not the server's.
  function morph(target, source) {
    Array.prototype.forEach.call(source.attributes, function (attribute) {
      if (target.getAttribute(attribute.name) !== attribute.value) {
        target.setAttribute(attribute.name, attribute.value);
      }
    });
    Array.prototype.slice.call(target.attributes).forEach(function (attribute) {
      var kept = target.nodeName === "DETAILS" && attribute.name === "open";
      if (!kept && !source.hasAttribute(attribute.name)) { target.removeAttribute(attribute.name); }
    });
    var wanted = source.childNodes;
    for (var index = 0; index < wanted.length; index += 1) {
      var node = target.childNodes[index];
      var next = wanted[index];
      if (!node) {
        target.appendChild(next.cloneNode(true));
      } else if (node.nodeType !== next.nodeType || node.nodeName !== next.nodeName) {
        target.replaceChild(next.cloneNode(true), node);
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        morph(node, next);
      } else if (node.nodeValue !== next.nodeValue) {
        node.nodeValue = next.nodeValue;
      }
    }
    while (target.childNodes.length > wanted.length) { target.removeChild(target.lastChild); }
  }

  function applyCharts(rendered) {
    var keys = Object.keys(rendered);
    if (!keys.length) { return; }
    var empty = charts.querySelector('[data-chart-slot="empty"]');
    if (empty) { empty.remove(); }
    keys.forEach(function (key) {
      var template = document.createElement("template");
      template.innerHTML = '<div data-chart-slot="' + key + '">' + rendered[key] + "</div>";
      var fresh = template.content.firstElementChild;
      var slot = charts.querySelector('[data-chart-slot="' + key + '"]');
      if (slot) { morph(slot, fresh); } else { charts.appendChild(fresh); }
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
}

const root = document.getElementById("dashboard");
if (root) { followFigures(root); }
