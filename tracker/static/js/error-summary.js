// The error summary after a failed submit (macros.html: form_errors) takes the focus, so that keyboard and
// screen-reader users land on it; each of its links moves the focus to its field. A module runs once per page.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && link.hash.length > 1 && document.getElementById(link.hash.slice(1));
    const field = target && (target.matches("input, select, textarea, button") ? target : target.querySelector("input, select, textarea, button"));
    if (!field) return;
    event.preventDefault();
    field.focus();
    (field.labels && field.labels[0] ? field.labels[0] : field).scrollIntoView({ block: "center" });
  });
}
