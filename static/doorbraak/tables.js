/* Tables that become cards on a phone (doorbraak.css, .dk-table--stack): each cell
 * carries the name of its column (data-label), shown before the value once the header
 * row is out of sight. The names come from the table's own column headers. */
(function () {
  "use strict";

  function label(table) {
    var heads = table.querySelectorAll("thead tr:last-child th");
    var names = [];
    heads.forEach(function (th) {
      var span = parseInt(th.getAttribute("colspan") || "1", 10);
      var text = th.textContent.replace(/\s+/g, " ").trim();
      for (var i = 0; i < span; i++) names.push(text);
    });
    table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var name = names[column];
        if (name && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", name);
        }
        column += parseInt(cell.getAttribute("colspan") || "1", 10);
      });
    });
  }

  function labelAll() {
    document.querySelectorAll("table.dk-table--stack").forEach(label);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", labelAll);
  } else {
    labelAll();
  }
  document.addEventListener("turbo:load", labelAll);
  document.addEventListener("turbo:render", labelAll);
})();
