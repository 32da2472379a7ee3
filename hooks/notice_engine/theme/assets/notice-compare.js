/* The compare page (compare/?from=YYYY-MM-DD&to=YYYY-MM-DD): shows the redline between two
   versions from files the build wrote. It computes no diff: the build's redline (the one
   `notice diff` prints) made every fragment; this script only fetches the two versions'
   section lists and the fragments of the sections that differ, and lays them out in the
   order redline.compare uses (the new version's order, a removed section after the
   surviving one it followed), each run of unchanged sections as one line. */
(function () {
  "use strict";
  var root = document.getElementById("_compare");
  if (!root) { return; }
  var result = document.getElementById("_compare-result");
  var fromSelect = document.getElementById("_compare-from");
  var toSelect = document.getElementById("_compare-to");

  function template(id) {
    return document.getElementById(id).innerHTML.trim();
  }

  function choose(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.selectedIndex = i; return true; }
    }
    return false;
  }

  function label(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { return select.options[i].textContent.trim(); }
    }
    return value;
  }

  function getText(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(url + ": " + response.status); }
      return response.text();
    });
  }

  /* (id, old key, new key) in reading order: redline._reading_order. */
  function readingOrder(older, newer) {
    var oldKeys = {}, newKeys = {}, removedAfter = {}, anchor = "", order = [];
    older.forEach(function (s) { oldKeys[s[0]] = s[1]; });
    newer.forEach(function (s) { newKeys[s[0]] = s[1]; });
    older.forEach(function (s) {
      if (Object.prototype.hasOwnProperty.call(newKeys, s[0])) { anchor = s[0]; }
      else { (removedAfter[anchor] = removedAfter[anchor] || []).push(s[0]); }
    });
    function removed(after) {
      (removedAfter[after] || []).forEach(function (id) { order.push([id, oldKeys[id], ""]); });
    }
    removed("");
    newer.forEach(function (s) {
      var had = Object.prototype.hasOwnProperty.call(oldKeys, s[0]);
      order.push([s[0], had ? oldKeys[s[0]] : "", s[1]]);
      if (had) { removed(s[0]); }
    });
    return order;
  }

  function runLine(n) {
    return n === 1 ? template("_compare-run-one") : template("_compare-run").replace("{n}", String(n));
  }

  function layout(fragments) {
    var parts = [], run = 0, changed = false;
    fragments.forEach(function (html) {
      if (!html) { run += 1; return; }
      if (run) { parts.push(runLine(run)); run = 0; }
      parts.push(html.trim());
      changed = true;
    });
    if (run) { parts.push(runLine(run)); }
    parts.unshift(template(changed ? "_compare-legend" : "_compare-none"));
    return '<div class="redline">\n' + parts.join("\n") + "\n</div>";
  }

  function show(from, to) {
    var heading = document.getElementById("_compare-heading");
    heading.textContent = template("_compare-heading-text")
      .replace("{from}", label(fromSelect, from)).replace("{to}", label(toSelect, to));
    heading.hidden = false;
    root.setAttribute("aria-busy", "true");
    Promise.all([getText(root.dataset.lists + from + ".json"),
                 getText(root.dataset.lists + to + ".json")]).then(function (lists) {
      var order = readingOrder(JSON.parse(lists[0]).sections, JSON.parse(lists[1]).sections);
      return Promise.all(order.map(function (item) {
        if (item[1] === item[2]) { return ""; }
        return getText(root.dataset.fragments + (item[1] || "0") + "_" + (item[2] || "0") + ".html");
      }));
    }).then(function (fragments) {
      result.innerHTML = layout(fragments);
    }).catch(function () {
      result.innerHTML = template("_compare-failed");
    }).then(function () {
      root.removeAttribute("aria-busy");
    });
  }

  var params = new URLSearchParams(window.location.search);
  var from = params.get("from"), to = params.get("to");
  if (!(from && choose(fromSelect, from))) { from = fromSelect.value; }
  if (!(to && choose(toSelect, to))) { to = toSelect.value; }
  if (from > to) {                      /* always older to newer, as notice diff A B reads */
    var newer = from; from = to; to = newer;
    choose(fromSelect, from); choose(toSelect, to);
  }
  show(from, to);
})();
