// govaudit review UI: the little the pages need beyond HTML.
// Served as a file so that the Content-Security-Policy forbids inline script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  var picks = Array.prototype.slice.call(document.querySelectorAll("input.pick"));
  var count = document.getElementById("picked");
  function update() {
    var n = picks.filter(function (p) { return p.checked; }).length;
    if (count) { count.textContent = String(n); }
    if (all) { all.checked = n > 0 && n === picks.length; }
  }
  if (all) {
    all.addEventListener("change", function () {
      picks.forEach(function (p) { p.checked = all.checked; });
      update();
    });
  }
  picks.forEach(function (p) { p.addEventListener("change", update); });
  update();

  // A bulk dismiss needs a reason: say so before the round trip. The
  // message is shown once and cleared at once, so that it never blocks
  // another button of the form (确认扣分 after a refused 驳回).
  var dismiss = document.getElementById("bulk-dismiss");
  var confirmAll = document.getElementById("bulk-confirm");
  var reason = document.getElementById("bulk-reason");
  if (dismiss && reason) {
    dismiss.addEventListener("click", function (e) {
      if (reason.value.trim() === "") {
        e.preventDefault();
        reason.setCustomValidity("驳回必须填写理由");
        reason.reportValidity();
        reason.focus();
      }
      reason.setCustomValidity("");
    });
    reason.addEventListener("input", function () { reason.setCustomValidity(""); });
  }
  if (confirmAll && reason) {
    confirmAll.addEventListener("click", function () { reason.setCustomValidity(""); });
  }

  // Keyboard shortcuts, unless typing in a field.
  function typing(e) {
    var t = e.target;
    return e.ctrlKey || e.metaKey || e.altKey ||
      (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)));
  }
  function go(id) {
    var a = document.getElementById(id);
    if (a && a.href) { window.location.href = a.href; return true; }
    return false;
  }
  var table = document.getElementById("findings-table");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (r) {
    return !!r.querySelector("a.fid");
  }) : [];
  var cursor = -1;
  function mark(i) {
    if (!rows.length) { return; }
    cursor = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("cursor", j === cursor); });
    rows[cursor].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (typing(e)) { return; }
    var k = e.key;
    if (rows.length) { // the list
      if (k === "j") { mark(cursor + 1); e.preventDefault(); }
      else if (k === "k") { mark(cursor - 1); e.preventDefault(); }
      else if ((k === "Enter" || k === "o") && cursor >= 0) { rows[cursor].querySelector("a.fid").click(); e.preventDefault(); }
      else if (k === "x" && cursor >= 0) {
        var box = rows[cursor].querySelector("input.pick");
        if (box) { box.checked = !box.checked; update(); }
        e.preventDefault();
      }
      return;
    }
    // A finding's page.
    if (k === "j") { if (go("next-finding")) { e.preventDefault(); } }
    else if (k === "k") { if (go("prev-finding")) { e.preventDefault(); } }
    else if (k === "c") {
      var c = document.getElementById("form-confirm");
      if (c) { e.preventDefault(); c.requestSubmit(); }
    } else if (k === "d") {
      var r = document.getElementById("dismiss-reason");
      var f = document.getElementById("form-dismiss");
      if (r && f) {
        e.preventDefault();
        if (r.value.trim() === "") { r.focus(); } else { f.requestSubmit(); }
      }
    }
  });

  // Filters apply as soon as a drop-down changes.
  var filters = document.getElementById("filters");
  if (filters) {
    Array.prototype.forEach.call(filters.querySelectorAll("select"), function (s) {
      s.addEventListener("change", function () {
        if (s.id === "f-unit") {
          var col = document.getElementById("f-column");
          if (col) { col.value = ""; }
        }
        filters.submit();
      });
    });
  }
});
