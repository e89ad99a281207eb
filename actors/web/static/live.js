// Live updates: one EventSource per page (server-sent events). Each "state" event
// carries one UPS's newest state; elements inside [data-ups="NAME"] are patched:
//   [data-field="status_text"]   the status in words (also "status", "last_error")
//   [data-status]                gets the class status-ok|warn|bad|unknown
//   [data-var="battery.charge"]  a variable's value
//   [data-gauge="ups.load"]      a bar: .bar-fill width/level and [data-gauge-text]
//   [data-seen]                  "last seen 42 s ago", shown while the data is not fresh
//   [data-last-error]            shown while the data is not fresh and the driver failed
// and the [data-ups] element itself has the class "not-fresh" while its data is not.
// Custom templates get live updates by using the same attributes.
(function () {
  "use strict";
  var LEVELS = ["ok", "warn", "bad", "unknown"];

  function setClass(el, prefix, level) {
    LEVELS.forEach(function (l) { el.classList.remove(prefix + l); });
    el.classList.add(prefix + level);
  }

  // The same words as actors.web.status.age_text.
  function ageText(seconds) {
    if (seconds === null || isNaN(seconds)) { return "no data yet"; }
    var s = Math.max(0, Math.floor(seconds)), span;
    if (s < 120) { span = s + " s"; }
    else if (s < 7200) { span = Math.floor(s / 60) + " min"; }
    else if (s < 172800) { span = Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min"; }
    else { span = Math.floor(s / 86400) + " d"; }
    return "last seen " + span + " ago";
  }

  // Ages count on in the browser: the server sends one only when something changed.
  function now() { return performance.now() / 1000; }

  function setAge(el, age) {
    el.seenBase = (age === null || age === "" || isNaN(age)) ? null : now() - Number(age);
    tick(el);
  }

  function tick(el) {
    el.textContent = ageText(el.seenBase === null ? null : now() - el.seenBase);
  }

  document.querySelectorAll("[data-seen]").forEach(function (el) {
    setAge(el, el.getAttribute("data-age"));
  });
  window.setInterval(function () {
    document.querySelectorAll("[data-seen]").forEach(function (el) {
      if (!el.hidden && el.seenBase !== undefined) { tick(el); }
    });
  }, 1000);

  function patchFreshness(root, s) {
    root.classList.toggle("not-fresh", !s.fresh);
    root.querySelectorAll("[data-seen]").forEach(function (el) {
      el.hidden = s.fresh;
      setAge(el, s.age_seconds);
    });
    root.querySelectorAll("[data-last-error]").forEach(function (el) {
      el.hidden = s.fresh || !s.last_error;
    });
  }

  function patch(root, s) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (key in s && typeof s[key] !== "object") { el.textContent = s[key]; }
      if (key in s && s[key] === null) { el.textContent = ""; }
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
    patchFreshness(root, s);
  }

  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource) { return; }
  var indicator = document.getElementById("live-state");
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
