// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move keyboard focus to a form's error summary so screen readers announce it.
  const summary = document.getElementById("form-error");
  if (summary) summary.focus();

  // Report pages: a button that opens the browser's print dialog, which
  // can also save the page as a PDF (the print stylesheet tidies it).
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));

  // Survey forms: hide questions whose condition is not met (the server
  // ignores their answers anyway), and keep "none of these" options from
  // being combined with others.
  const form = document.getElementById("survey-form");
  if (!form) return;
  const conditional = form.querySelectorAll("fieldset[data-when-item]");
  const update = () => {
    conditional.forEach((fs) => {
      const wanted = fs.dataset.whenAny.split(" ");
      const chosen = Array.from(form.querySelectorAll(`input[name="${fs.dataset.whenItem}"]:checked`)).map((i) => i.value);
      const parent = form.querySelector(`#item-${fs.dataset.whenItem}`);
      fs.hidden = (parent && parent.hidden) || !chosen.some((v) => wanted.includes(v));
    });
  };
  form.addEventListener("change", (ev) => {
    const input = ev.target;
    if (input.type === "checkbox" && input.checked) {
      const group = form.querySelectorAll(`input[type=checkbox][name="${input.name}"]`);
      group.forEach((other) => {
        if (other !== input && (input.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
          other.checked = false;
        }
      });
    }
    update();
  });
  update();
});
