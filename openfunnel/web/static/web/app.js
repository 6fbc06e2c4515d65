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
// User pickers (web.choices.UserPicker): the <select> holds only the chosen user; a search box above it asks the
// server for up to 20 matching names and puts them in the select, where the user picks one. Without scripts the
// select keeps the current choice (or none).
function enhanceUserPickers(root) {
  root.querySelectorAll("select[data-user-picker]:not([data-picker-ready])").forEach((select) => {
    select.dataset.pickerReady = "1";
    const search = document.createElement("input");
    search.type = "search";
    search.className = "picker-search";
    search.placeholder = select.dataset.placeholder || "";
    search.setAttribute("aria-label", search.placeholder);
    search.autocomplete = "off";
    select.parentNode.insertBefore(search, select);
    let timer = null;
    let asked = 0;
    // Until there is something to choose from, the search box alone takes the select's place.
    const fold = () => { select.hidden = !Array.from(select.options).some((option) => option.value !== ""); };
    fold();
    const fill = (results) => {
      const kept = Array.from(select.options).filter((option) => option.value === "" || option.selected);
      const keptValues = new Set(kept.map((option) => option.value));
      select.replaceChildren(...kept);
      results.forEach((user) => {
        if (keptValues.has(String(user.id))) return;
        select.add(new Option(user.label, user.id));
      });
      fold();
    };
    const ask = () => {
      const number = ++asked;
      const url = new URL(select.dataset.userPicker, window.location.href);
      url.searchParams.set("q", search.value);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => {
          if (number !== asked) return;  // an older answer arriving late
          fill(data.results || []);
          if (search.value && select.options.length) {
            const first = Array.from(select.options).find((option) => option.value !== "" && !option.selected);
            if (first && !select.multiple) select.value = first.value;
          }
        })
        .catch(() => {});
    };
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 250); });
    search.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); ask(); } });
    search.addEventListener("focus", () => { if (!select.dataset.pickerAsked) { select.dataset.pickerAsked = "1"; ask(); } });
  });
}
document.addEventListener("DOMContentLoaded", () => enhanceUserPickers(document));
document.addEventListener("htmx:afterSwap", (event) => enhanceUserPickers(event.target));
