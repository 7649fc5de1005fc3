/* The coverage matrix (coverage.html, rendered by the build: site/templates/coverage.html).
 *
 * Without this script the matrix is a plain table of links. With it:
 * - find (text), show (which criteria) and sort (criterion, label, coverage, one scheme);
 * - pointing at, tapping or focusing a cell shows the crosswalk rows behind it (requirement,
 *   predicate, comment) below the table; on a touch screen the first tap shows them and a
 *   second tap follows the link;
 * - the table is one tab stop (a grid): arrow keys move between cells, Home/End to the ends of
 *   a row, Ctrl+Home/End to the first/last cell, Page Up/Down by ten rows; Enter follows the
 *   cell's link (a criterion page, a requirement page or the scheme's page).
 * Text from the mapping files is put in with textContent only, never as HTML.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-crm-matrix]");
  if (!root) return;
  var table = root.querySelector("table");
  var tbody = table.tBodies[0];
  var details = root.querySelector("[data-crm-details]");
  var count = root.querySelector("[data-crm-count]");
  var data = JSON.parse(root.querySelector("[data-crm-matrix-data]").textContent);
  var allRows = Array.prototype.slice.call(tbody.rows);
  var TOP = root.querySelector("[data-crm-matrix-data]").dataset.crmMatrixTop;  // the best status
  var current = null;      // the cell link that holds the grid's tab stop
  var lastPointer = "mouse";

  allRows.forEach(function (tr, i) { tr.dataset.order = String(i); });

  // ---- the grid: one tab stop, arrow keys ----------------------------------------------------
  function visibleRows() {
    return allRows.filter(function (tr) { return !tr.hidden; }).sort(function (a, b) {
      return Array.prototype.indexOf.call(tbody.rows, a) - Array.prototype.indexOf.call(tbody.rows, b);
    });
  }
  function cellsOf(tr) {  // the row header's link, then every scheme cell's link
    return Array.prototype.slice.call(tr.querySelectorAll("th a, td.crm-cell a"));
  }
  function position(link) {
    var rows = visibleRows();
    for (var r = 0; r < rows.length; r++) {
      var c = cellsOf(rows[r]).indexOf(link);
      if (c >= 0) return { rows: rows, r: r, c: c };
    }
    return null;
  }
  function setCurrent(link, focus) {
    if (current && current !== link) current.tabIndex = -1;
    current = link;
    if (!link) return;
    link.tabIndex = 0;
    if (focus) {
      link.focus();
      link.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    show(link);
  }
  function resetTabStop() {
    allRows.forEach(function (tr) { cellsOf(tr).forEach(function (a) { a.tabIndex = -1; }); });
    var rows = visibleRows();
    if (current && position(current)) { current.tabIndex = 0; return; }
    current = null;
    if (rows.length) { current = cellsOf(rows[0])[0]; current.tabIndex = 0; }
  }
  table.addEventListener("keydown", function (ev) {
    var p = position(ev.target);
    if (!p) return;
    var r = p.r, c = p.c, last = p.rows.length - 1;
    var width = cellsOf(p.rows[r]).length - 1;
    switch (ev.key) {
      case "ArrowRight": c = Math.min(c + 1, width); break;
      case "ArrowLeft": c = Math.max(c - 1, 0); break;
      case "ArrowDown": r = Math.min(r + 1, last); break;
      case "ArrowUp": r = Math.max(r - 1, 0); break;
      case "PageDown": r = Math.min(r + 10, last); break;
      case "PageUp": r = Math.max(r - 10, 0); break;
      case "Home": if (ev.ctrlKey) r = 0; c = 0; break;
      case "End": if (ev.ctrlKey) r = last; c = width; break;
      default: return;
    }
    ev.preventDefault();
    setCurrent(cellsOf(p.rows[r])[c], true);
  });
  table.addEventListener("focusin", function (ev) {
    if (position(ev.target)) setCurrent(ev.target, false);
  });
  table.addEventListener("pointerdown", function (ev) { lastPointer = ev.pointerType || "mouse"; });
  table.addEventListener("mouseover", function (ev) {
    var a = ev.target.closest("td.crm-cell a, tbody th a");
    if (a) show(a);
  });
  var tapped = null;       // the cell a first tap selected (a second tap on it follows its link)
  table.addEventListener("click", function (ev) {
    var a = ev.target.closest("td.crm-cell a");
    if (!a || (ev.pointerType || lastPointer) !== "touch") return;
    if (tapped !== a) {
      ev.preventDefault();
      tapped = a;
      setCurrent(a, false);
    }
  });

  // ---- details -------------------------------------------------------------------------------
  function key(a) {
    var td = a.closest("td");
    return (td ? td.dataset.scheme : "") + "|" + a.closest("tr").dataset.id;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function link(href, text) {
    var a = el("a", text);
    a.href = href;
    return a;
  }
  function show(a) {
    var tr = a.closest("tr");
    var td = a.closest("td");
    details.textContent = "";
    details.dataset.shown = key(a);
    var head = el("p", null, "crm-details-head");
    if (!td) {  // the row header: the criterion
      head.appendChild(el("strong", tr.dataset.id + " " + tr.dataset.label));
      head.appendChild(document.createTextNode(" (" + tr.dataset.topic + "): " +
        tr.dataset.full + " scheme" + (tr.dataset.full === "1" ? "" : "s") + " (" + TOP + "). "));
      head.appendChild(link(a.getAttribute("href"), "Open the criterion"));
      details.appendChild(head);
      return;
    }
    var scheme = td.dataset.scheme;
    var cell = (data[scheme] || {})[tr.dataset.id] || { status: td.dataset.status, rows: [] };
    head.appendChild(el("strong", scheme + " \u00b7 " + tr.dataset.id + ": " + cell.status));
    head.appendChild(document.createTextNode(" \u2014 " + tr.dataset.label));
    details.appendChild(head);
    if (!cell.rows.length) {
      details.appendChild(el("p", "No crosswalk row maps this scheme to this criterion yet."));
      return;
    }
    var list = el("ul");
    cell.rows.forEach(function (row) {
      var li = el("li");
      if (row.page) li.appendChild(link(row.page, row.subject));
      else li.appendChild(el("code", row.subject));
      if (row.label) li.appendChild(document.createTextNode(" " + row.label));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("code", row.predicate));
      if (row.comment) li.appendChild(el("span", row.comment, "crm-details-comment"));
      list.appendChild(li);
    });
    details.appendChild(list);
  }

  // ---- find, show, sort ----------------------------------------------------------------------
  var filter = root.querySelector("[data-crm-filter]");
  var which = root.querySelector("[data-crm-show]");
  var sortBy = root.querySelector("[data-crm-sort]");
  function statuses(tr) {
    return Array.prototype.map.call(tr.querySelectorAll("td.crm-cell"), function (td) { return td.dataset.status; });
  }
  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var mode = which.value;
    var shown = 0;
    allRows.forEach(function (tr) {
      var text = (tr.dataset.id + " " + tr.dataset.label + " " + tr.dataset.topic).toLowerCase();
      var st = statuses(tr);
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      if (ok && mode === "uncovered") ok = st.indexOf(TOP) < 0;
      if (ok && mode.indexOf("status:") === 0) ok = st.indexOf(mode.slice(7)) >= 0;
      tr.hidden = !ok;
      if (ok) shown++;
    });
    var how = sortBy.value;
    var sorted = allRows.slice().sort(function (a, b) {
      var d = 0;
      if (how === "label") d = a.dataset.label.localeCompare(b.dataset.label);
      else if (how === "fewest") d = Number(a.dataset.full) - Number(b.dataset.full);
      else if (how === "most") d = Number(b.dataset.full) - Number(a.dataset.full);
      else if (how.indexOf("scheme:") === 0) {
        var s = how.slice(7);
        var sa = a.querySelector('td[data-scheme="' + CSS.escape(s) + '"]');
        var sb = b.querySelector('td[data-scheme="' + CSS.escape(s) + '"]');
        d = Number(sb.dataset.rank) - Number(sa.dataset.rank);
      }
      return d || Number(a.dataset.order) - Number(b.dataset.order);
    });
    sorted.forEach(function (tr) { tbody.appendChild(tr); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      if (th.dataset.scheme && how === "scheme:" + th.dataset.scheme) th.setAttribute("aria-sort", "descending");
      else th.removeAttribute("aria-sort");
    });
    count.textContent = shown + " of " + allRows.length + " criteria";
    resetTabStop();
  }
  [filter, which, sortBy].forEach(function (c) {
    c.addEventListener("input", apply);
    c.addEventListener("change", apply);
  });
  apply();
})();
