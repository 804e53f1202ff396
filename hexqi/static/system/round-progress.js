// Live progress for a matching round: poll status.json every second, update the <progress>
// bar and its text, and reload the page when the round has finished (or failed).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("round-progress-bar");
  var text = document.getElementById("round-progress-text");
  var message = document.getElementById("round-progress-message");
  var failures = 0;

  function show(data) {
    var pct = Math.round(Math.max(0, Math.min(1, Number(data.progress) || 0)) * 100);
    bar.value = pct / 100;
    bar.textContent = pct + "%";
    text.textContent = pct + "%";
    if (data.message) { message.textContent = data.message; }
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.status !== "queued" && data.status !== "running") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        if (failures > 5) {
          message.textContent = "Lost contact with the server; reload the page to see the round.";
          return;
        }
        window.setTimeout(poll, 2000);
      });
  }

  window.setTimeout(poll, 1000);
}());
