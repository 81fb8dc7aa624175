// Invitations tab: drive a batch that is being queued, one chunk per request, and show its progress;
// disable a batch form's buttons after the first submit (the server also ignores a second one).
(function () {
  "use strict";

  var numbers = new Intl.NumberFormat(document.documentElement.lang || "de");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, name) {
      return numbers.format(values[name]);
    });
  }

  function driveBatch(section) {
    var bar = document.getElementById("batch-progress-bar");
    var text = document.getElementById("batch-progress-text");
    var done = document.getElementById("batch-progress-done");
    var failures = 0;

    function step() {
      fetch(section.dataset.advanceUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": section.dataset.csrfToken, "Accept": "application/json" }
      })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (progress) {
          failures = 0;
          bar.max = progress.total;
          bar.value = progress.queued;
          bar.textContent = progress.queued + " / " + progress.total;
          text.textContent = fill(section.dataset.progressText, progress);
          if (progress.finished) {
            done.textContent = fill(section.dataset.doneText, progress);
            section.classList.add("invitations-progress--done");
          } else {
            step();
          }
        })
        .catch(function () {
          failures += 1;
          if (failures >= 3) {
            done.textContent = section.dataset.errorText;
          } else {
            window.setTimeout(step, 1000 * failures);
          }
        });
    }

    step();
  }

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "1";
    });
  });

  var section = document.getElementById("batch-progress");
  if (section) { driveBatch(section); }
})();
