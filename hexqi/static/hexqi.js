// Site-wide progressive enhancement: every page works without it.
// After a failed submit, move focus to the "There is a problem" box (the error_summary macro
// in templates/_macros.html) so keyboard and screen-reader users land on the list of errors.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
}());
