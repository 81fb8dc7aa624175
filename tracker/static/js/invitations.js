// Invitations tab: drive a batch that is being queued, one chunk per request, then follow its delivery
// (queued, sent, failed) by polling until every mail is sent or failed. Figures change in place, so focus and
// a screen reader's position stay where they are. Disable a form's buttons after the first submit.
import { setText } from "./text.js";

var POLL_MS = 3000;
var numbers = new Intl.NumberFormat(document.documentElement.lang || "de");

function followBatch(section) {
  var bar = document.getElementById("batch-progress-bar");
  var done = document.getElementById("batch-progress-done");
  var failures = 0;

  function show(progress) {
    section.querySelectorAll("[data-figure]").forEach(function (element) {
      setText(element, numbers.format(progress[element.dataset.figure]));
    });
    bar.max = progress.total;
    bar.value = progress.sent + progress.failed;
    bar.textContent = bar.value + " / " + progress.total;
  }

  function request(progress) {
    if (!progress.finished) {
      return fetch(section.dataset.advanceUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": section.dataset.csrfToken, "Accept": "application/json" }
      });
    }
    return fetch(section.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } });
  }

  function step(progress) {
    request(progress)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (next) {
        failures = 0;
        show(next);
        if (next.delivered) {
          done.textContent = section.dataset.doneText;
          section.classList.add("invitations-progress--done");
        } else {
          window.setTimeout(function () { step(next); }, next.finished ? POLL_MS : 0);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 3) {
          done.textContent = section.dataset.errorText;
        } else {
          window.setTimeout(function () { step(progress); }, 1000 * failures);
        }
      });
  }

  step({ finished: section.dataset.finished === "true" });
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
if (section && section.dataset.delivered !== "true") { followBatch(section); }
