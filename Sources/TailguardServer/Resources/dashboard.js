// tailguard dashboard: served at /assets/dashboard.js. Progressive enhancement only: pages read
// and filter without it (filters are GET parameters); this sorts tables on the page, narrows the
// current page's rows, and moves between table rows with the arrow keys.
(function () {
  'use strict';

  function cellValue(row, col) {
    var cell = row.cells[col];
    if (!cell) { return ''; }
    return cell.hasAttribute('data-value') ? cell.getAttribute('data-value') : cell.textContent;
  }

  function sortBy(th) {
    var table = th.closest('table');
    var body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    var numeric = th.getAttribute('data-kind') === 'num';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, col), y = cellValue(b, col);
      var d = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
      return ascending ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll('thead th[aria-sort]').forEach(function (h) {
      h.setAttribute('aria-sort', 'none');
    });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  }

  document.querySelectorAll('table.sortable thead th[data-kind]').forEach(function (th) {
    th.addEventListener('click', function () { sortBy(th); });
    th.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(th); }
    });
  });

  // Arrow keys move between the rows' first links.
  document.querySelectorAll('table.sortable tbody').forEach(function (body) {
    body.addEventListener('keydown', function (e) {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') { return; }
      var row = e.target.closest('tr');
      if (!row) { return; }
      var next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      while (next && next.hidden) {
        next = e.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
      }
      var link = next && next.querySelector('a');
      if (link) { e.preventDefault(); link.focus(); }
    });
  });

  // Narrow the current page's rows by text.
  document.querySelectorAll('input[data-table]').forEach(function (input) {
    var table = document.getElementById(input.getAttribute('data-table'));
    if (!table) { return; }
    input.closest('[hidden]') && input.closest('[hidden]').removeAttribute('hidden');
    input.addEventListener('input', function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== '' && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  });
})();
