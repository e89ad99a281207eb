// Live updates: one EventSource per page (server-sent events). Each "state" event
// carries one UPS's newest state; elements inside [data-ups="NAME"] are patched:
//   [data-field="status_text"]   the status in words
//   [data-status]                gets the class status-ok|warn|bad|unknown
//   [data-var="battery.charge"]  a variable's value
//   [data-gauge="ups.load"]      a bar: .bar-fill width/level and [data-gauge-text]
// Custom templates get live updates by using the same attributes.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource) { return; }
  var indicator = document.getElementById("live-state");
  var LEVELS = ["ok", "warn", "bad", "unknown"];

  function setClass(el, prefix, level) {
    LEVELS.forEach(function (l) { el.classList.remove(prefix + l); });
    el.classList.add(prefix + level);
  }

  function patch(root, s) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (key in s && typeof s[key] !== "object") { el.textContent = s[key]; }
    });
    root.querySelectorAll("[data-status]").forEach(function (el) {
      setClass(el, "status-", s.status_class);
      el.title = s.status;
    });
    root.querySelectorAll("[data-var]").forEach(function (el) {
      var name = el.getAttribute("data-var");
      el.textContent = (name in s.vars) ? s.vars[name] : "";
    });
    s.gauges.forEach(function (g) {
      root.querySelectorAll("[data-gauge]").forEach(function (el) {
        if (el.getAttribute("data-gauge") !== g.key) { return; }
        var fill = el.querySelector(".bar-fill");
        if (fill) { fill.style.width = g.percent + "%"; setClass(fill, "level-", g.level); }
        var text = el.querySelector("[data-gauge-text]");
        if (text) { text.textContent = g.text; }
      });
    });
  }

  var source = new EventSource(url);
  source.addEventListener("state", function (ev) {
    var s = JSON.parse(ev.data);
    document.querySelectorAll("[data-ups]").forEach(function (root) {
      if (root.getAttribute("data-ups") === s.ups) { patch(root, s); }
    });
  });
  source.addEventListener("open", function () {
    if (indicator) { indicator.hidden = true; }
  });
  source.addEventListener("error", function () {
    if (indicator) { indicator.textContent = "reconnecting…"; indicator.hidden = false; }
  });
}());
