// The new-request form, progressive enhancement only: it works without it.
// (Focus on the error summary is site-wide, in static/hexqi.js.)
(function () {
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
