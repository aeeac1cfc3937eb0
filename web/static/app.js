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

  // A bulk dismiss needs a reason: say so before the round trip.
  var dismiss = document.getElementById("bulk-dismiss");
  var reason = document.getElementById("bulk-reason");
  if (dismiss && reason) {
    dismiss.addEventListener("click", function (e) {
      if (reason.value.trim() === "") {
        e.preventDefault();
        reason.setCustomValidity("驳回必须填写理由");
        reason.reportValidity();
      } else {
        reason.setCustomValidity("");
      }
    });
    reason.addEventListener("input", function () { reason.setCustomValidity(""); });
  }

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
