// Team pages, progressive enhancement only: every page works without it.
(function () {
  var summary = document.querySelector('.error-summary');
  if (summary) { summary.focus(); }
  // On the request form, show a method's level only once the method is ticked.
  document.querySelectorAll('.skill-list > li').forEach(function (item) {
    var box = item.querySelector('input[type=checkbox]');
    var level = item.querySelector('.level');
    if (!box || !level) { return; }
    var sync = function () { level.hidden = !box.checked; };
    box.addEventListener('change', sync);
    sync();
  });
})();
