// Kanban board: drag a card to another column to move the opportunity. The server applies the stage
// guard; a refused move snaps the card back and shows what is missing, with a form to fill it in place.
(function () {
  "use strict";

  function csrfToken() {
    try {
      const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      if (token) return token;
    } catch (error) { /* fall back to the cookie */ }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function dialog() { return document.getElementById("move-dialog"); }

  function showPanel(html) {
    const box = dialog();
    if (!box) return;
    box.querySelector("[data-dialog-body]").innerHTML = html;
    if (window.htmx) window.htmx.process(box);
    if (!box.open) box.showModal();
  }

  function refreshBoard() {
    const board = document.getElementById("board");
    if (!board || !window.htmx) { window.location.reload(); return; }
    const url = new URL(board.dataset.refreshUrl, window.location.href);
    url.searchParams.set("fragment", "board");
    window.htmx.ajax("GET", url.pathname + url.search, { target: "#board", swap: "outerHTML" });
  }

  async function onDrop(event) {
    if (event.from === event.to) return;
    const card = event.item;
    const body = new FormData();
    body.append("stage", event.to.dataset.stage);
    let response;
    try {
      response = await fetch(card.dataset.moveUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      });
    } catch (error) {
      response = null;
    }
    if (response && response.ok) { refreshBoard(); return; }
    // Refused: put the card back where it was, then explain why.
    event.from.insertBefore(card, event.from.children[event.oldIndex] || null);
    if (response && response.headers.get("X-Move-Refused") === "1") {
      showPanel(await response.text());
    } else {
      showPanel('<div class="card alert alert-error" data-testid="move-failed">' +
                (document.getElementById("board").dataset.failedMessage || "The move failed.") + "</div>");
    }
  }

  function init(root) {
    if (!window.Sortable) return;
    root.querySelectorAll("[data-kanban-cards]").forEach((list) => {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "opportunities", animation: 150, draggable: ".kanban-card[data-draggable='1']",
        filter: "a", preventOnFilter: false, onEnd: onDrop,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", () => init(document));
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-dialog]")) {
      const box = dialog();
      if (box && box.open) box.close();
    }
  });
})();
