// domino-flows ui: the run page's behaviour, also inlined into reports (no library, no network
// in a report). A click on a node opens its task panel; in a served page the graph, the run's
// state and a running task's log refresh themselves until the run ends.
(function () {
  "use strict";
  var body = document.body;
  var filters = document.getElementById("filters");
  if (filters) {  // the runs page: choosing a flow or state filters at once
    filters.addEventListener("change", function () { filters.submit(); });
  }
  var runId = body.getAttribute("data-run");
  if (!runId) { return; }
  var live = body.getAttribute("data-live") === "1";
  var embedded = body.getAttribute("data-embedded") === "1";
  var every = parseInt(body.getAttribute("data-interval") || "1500", 10);
  var panel = document.getElementById("panel");
  var selected = null;
  var logTimer = null;

  function q(name) { return encodeURIComponent(name); }
  function nodes() { return document.querySelectorAll("svg.dag g.node"); }
  function nodeOf(path) {
    var all = nodes();
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-node") === path) { return all[i]; }
    }
    return null;
  }

  function followLog() {
    if (logTimer) { clearTimeout(logTimer); logTimer = null; }
    var pre = panel && panel.querySelector("pre.log[data-follow='1']");
    if (!pre || !live) { return; }
    logTimer = setTimeout(function () {
      fetch(pre.getAttribute("data-log-url"), { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (log) {
          var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
          pre.textContent = log.text || log.note;
          if (atEnd) { pre.scrollTop = pre.scrollHeight; }
          if (log.running) { followLog(); } else { pre.setAttribute("data-follow", "0"); }
        })
        .catch(function () { followLog(); });
    }, every);
  }

  function select(path, fromHash) {
    selected = path;
    var all = nodes();
    for (var i = 0; i < all.length; i++) {
      all[i].classList.toggle("selected", all[i].getAttribute("data-node") === path);
    }
    if (!fromHash) { history.replaceState(null, "", "#task=" + q(path)); }
    if (embedded) {
      var panels = document.querySelectorAll("section.panel");
      for (var j = 0; j < panels.length; j++) {
        panels[j].hidden = panels[j].getAttribute("data-node") !== path;
      }
      var hint = document.getElementById("panel-hint");
      if (hint) { hint.hidden = true; }
      return;
    }
    fetch("panel?id=" + q(runId) + "&node=" + q(path), { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (selected !== path) { return; }
        panel.innerHTML = html;
        var pre = panel.querySelector("pre.log");
        if (pre) { pre.scrollTop = pre.scrollHeight; }
        followLog();
      });
  }

  document.addEventListener("click", function (event) {
    var node = event.target.closest && event.target.closest("svg.dag g.node");
    if (node) { select(node.getAttribute("data-node"), false); }
  });
  document.addEventListener("keydown", function (event) {
    var node = event.target.closest && event.target.closest("svg.dag g.node");
    if (node && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(node.getAttribute("data-node"), false);
    }
  });

  function refresh() {
    fetch("state?id=" + q(runId), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        var changedSelected = false;
        Object.keys(state.nodes).forEach(function (path) {
          var node = nodeOf(path);
          if (!node) { return; }
          var css = state.nodes[path].toLowerCase().replace(/ /g, "-");
          var was = node.getAttribute("data-state");
          if (was !== css) {
            node.setAttribute("class", "node " + css + (path === selected ? " selected" : ""));
            node.setAttribute("data-state", css);
            var text = node.querySelector(".state-text");
            if (text) { text.textContent = state.nodes[path]; }
            if (path === selected) { changedSelected = true; }
          }
        });
        var badge = document.getElementById("run-state");
        if (badge) {
          badge.textContent = state.state;
          badge.className = "badge " + state.state.toLowerCase();
        }
        if (changedSelected) { select(selected, true); }
        if (state.running) { setTimeout(refresh, every); } else { location.reload(); }
      })
      .catch(function () { setTimeout(refresh, every); });
  }

  var match = /task=([^&]+)/.exec(location.hash);
  if (match) { select(decodeURIComponent(match[1]), true); }
  if (live) { setTimeout(refresh, every); }
})();
