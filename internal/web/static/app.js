// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move keyboard focus to a form's error summary so screen readers announce it.
  const summary = document.getElementById("form-error");
  if (summary) summary.focus();
});
