/* The compare page (compare/?from=YYYY-MM-DD&to=YYYY-MM-DD): shows the redline between two
   versions. It computes no diff and draws nothing: it fetches the two versions' section
   lists and the texts of the sections that differ (data, written by the build), and hands
   them, as JSON text, to the engine's own Python (publish/compare_browser.py, which runs
   render/redline_core.py, the code of `notice diff`) under Brython, loaded from the site. */
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

  /* The texts to fetch: a key names one text of one section, so a key both lists hold is
     a section left as it was, which the comparison needs no text to call unchanged. */
  function textsNeeded(older, newer) {
    var inOlder = {}, inNewer = {};
    older.forEach(function (s) { inOlder[s[1]] = true; });
    newer.forEach(function (s) { inNewer[s[1]] = true; });
    return Object.keys(inOlder).filter(function (key) { return !inNewer[key]; })
      .concat(Object.keys(inNewer).filter(function (key) { return !inOlder[key]; }));
  }

  /* The engine's Python: Brython starts itself when the page has loaded and runs the page's
     one Python script, which imports publish/compare_browser.py and hands its redline_html
     here (None if the import failed). Brython keeps what it compiled in the browser's
     IndexedDB, so a later visit starts faster. */
  var python = new Promise(function (resolve, reject) {
    window.noticeRedline = function (redlineHtml) {
      if (typeof redlineHtml === "function") { resolve(redlineHtml); }
      else { reject(new Error("the redline's Python did not load")); }
    };
    window.addEventListener("load", function () {
      if (!window.__BRYTHON__) { reject(new Error("Brython did not load")); }
    });
  });
  python.catch(function () {});         /* handled where it is used */

  function show(from, to) {
    var heading = document.getElementById("_compare-heading");
    heading.textContent = template("_compare-heading-text")
      .replace("{from}", label(fromSelect, from)).replace("{to}", label(toSelect, to));
    heading.hidden = false;
    root.setAttribute("aria-busy", "true");
    result.innerHTML = template("_compare-busy");
    var lists;
    Promise.all([getText(root.dataset.lists + from + ".json"),
                 getText(root.dataset.lists + to + ".json")]).then(function (texts) {
      lists = texts;
      var keys = textsNeeded(JSON.parse(texts[0]).sections, JSON.parse(texts[1]).sections);
      return Promise.all(keys.map(function (key) {
        return getText(root.dataset.texts + key + ".json").then(function (text) {
          return JSON.stringify(key) + ":" + text.trim();
        });
      }));
    }).then(function (entries) {
      return python.then(function (redlineHtml) {
        var drawing = document.getElementById("_compare-drawing").textContent;
        result.innerHTML = redlineHtml(drawing, lists[0], lists[1], "{" + entries.join(",") + "}");
      });
    }).catch(function (error) {
      result.innerHTML = template("_compare-failed");
      if (window.console) { window.console.error("compare:", error); }
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
