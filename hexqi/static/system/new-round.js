// Unticking a request means "only the ticked ones": switch the scope so the form does what the
// lead sees. Without JavaScript the scope radio buttons say it in words.
(function () {
  "use strict";
  var selected = document.querySelector('input[name="scope"][value="selected"]');
  if (!selected) { return; }
  document.querySelectorAll('input[name="request_ids"]').forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) { selected.checked = true; }
    });
  });
}());
