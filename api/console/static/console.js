// Keyboard triage of the alert queue: j/k move, o (or Enter) open, a acknowledge,
// m assign to me, x tick. No inline script: loaded as a file (the CSP allows 'self').
(function () {
  "use strict";
  var currentId = null; // the selected alert: the one truth, rows are drawn again by htmx
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table.queue tr.alert-row")); }
  function current() { return currentId === null ? null : document.getElementById("row-" + currentId); }
  function mark() {
    rows().forEach(function (r) { r.classList.toggle("current", r.dataset.id === currentId); });
  }
  function select(row) {
    currentId = row ? row.dataset.id : null;
    mark();
    if (row) { row.focus(); row.scrollIntoView({ block: "nearest" }); }
  }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var i = all.indexOf(current());
    select(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))]);
  }
  function quick(row, action) {
    if (!row || !window.htmx) { return; }
    window.htmx.ajax("POST", "/alerts/" + encodeURIComponent(row.dataset.id) + "/quick", {
      source: row, target: row, swap: "outerHTML",
      values: { action: action, version: row.dataset.version, current: "1" }
    });
  }
  // A row drawn again (keyboard triage, polling) settles with the server's classes:
  // mark the selection again once it has.
  document.addEventListener("htmx:afterSettle", mark);
  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("table.queue")) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var row = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter":
        if (row) { window.location.href = row.querySelector("a.open").getAttribute("href"); }
        break;
      case "a": quick(row, "acknowledge"); break;
      case "m": quick(row, "assign_me"); break;
      case "x":
        if (row) { var box = row.querySelector("input[type=checkbox]"); if (box) { box.checked = !box.checked; } }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
