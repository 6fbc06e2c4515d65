// Small behaviours shared by every page; everything else is plain HTML + htmx.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-toggle-nav]")) document.body.classList.toggle("nav-open");
  const confirmButton = event.target.closest("[data-confirm]");
  if (confirmButton && !window.confirm(confirmButton.dataset.confirm)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
// Filter panels start open on wide screens and folded on phones, where they would fill the screen.
document.addEventListener("DOMContentLoaded", () => {
  if (window.matchMedia("(min-width: 821px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach((panel) => { panel.open = true; });
  }
});
