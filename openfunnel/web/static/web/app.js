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
// "Nearby": reload the list with the browser's location as ?lat=&lng= (the server orders by distance).
// The messages come translated in data attributes; without a location the page stays as it is.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-nearby]");
  if (!button) return;
  event.preventDefault();
  const message = button.parentElement.querySelector("[data-nearby-message]");
  const say = (text) => { if (message) { message.textContent = text; message.hidden = false; } };
  if (!navigator.geolocation || !window.isSecureContext) { say(button.dataset.nearbyUnavailable); return; }
  say(button.dataset.nearbyWaiting);
  navigator.geolocation.getCurrentPosition((position) => {
    const url = new URL(button.href, window.location.href);
    url.searchParams.set("lat", position.coords.latitude.toFixed(6));
    url.searchParams.set("lng", position.coords.longitude.toFixed(6));
    window.location.assign(url.toString());
  }, (error) => {
    say(error.code === error.PERMISSION_DENIED ? button.dataset.nearbyDenied : button.dataset.nearbyUnavailable);
  }, { timeout: 15000, maximumAge: 300000 });
});
