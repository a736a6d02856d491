/* The pipeline board: drag a card onto another column to move the opportunity.
 *
 * Plain HTML5 drag and drop, no library. The move is a POST (with the CSRF token) to the
 * card's move URL; the server answers the re-rendered columns, which replace the board.
 * A drop on the lost column asks for the lost reason first. A drop on the won column does
 * what the opportunity page's Win button does: it asks to confirm, offering the draft sales
 * order when that page offers it (the page is read for its win form, so the same rules
 * apply: the right to make orders, products of interest), and posts the win form itself,
 * landing on the opportunity with its new order. Without script, every card keeps its own
 * small "Move" form for the open stages, and its link to the opportunity page.
 */
(function () {
  "use strict";

  var board = document.getElementById("board");
  if (!board) {
    return;
  }
  var dialog = document.getElementById("lose-dialog");
  var loseForm = document.getElementById("lose-form");
  var dragged = null;
  var pending = null; // {url, stage} waiting for a lost reason
  var winDialog = document.getElementById("win-dialog");
  var winForm = document.getElementById("win-form");

  function columnOf(node) {
    return node && node.closest ? node.closest(".crm-column") : null;
  }

  function clearTargets() {
    board.querySelectorAll(".drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  function filters() {
    var query = document.getElementById("board-query");
    return query ? query.dataset : {};
  }

  function move(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (name) {
      body.append(name, fields[name]);
    });
    var current = filters();
    ["team", "owner", "search"].forEach(function (name) {
      body.append(name, current[name] || "");
    });
    board.classList.add("busy");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": board.dataset.csrf, "X-Tandem-Board": "1" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("text/html") !== 0) {
          window.location.reload(); // logged out, or an unexpected answer: start afresh
          return null;
        }
        return response.text().then(function (html) {
          board.innerHTML = html; // the columns, with an error message if it was refused
        });
      })
      .catch(function () {
        window.location.reload();
      })
      .finally(function () {
        board.classList.remove("busy");
      });
  }

  function openPage(card) {
    window.location.assign(card.dataset.detailUrl);
  }

  // The Win button's form on the opportunity page: null when the page has none (not
  // allowed, or no longer open) and the page itself should say why.
  function winFormOf(html, url) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var found = null;
    page.querySelectorAll("form").forEach(function (form) {
      if (form.getAttribute("action") === url) {
        found = form;
      }
    });
    return found;
  }

  function offerWin(card) {
    if (!winDialog || !winDialog.showModal || !winForm || !window.DOMParser) {
      openPage(card);
      return;
    }
    board.classList.add("busy");
    fetch(card.dataset.detailUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok && !response.redirected ? response.text() : null;
      })
      .then(function (html) {
        var source = html === null ? null : winFormOf(html, card.dataset.winUrl);
        if (!source) {
          openPage(card);
          return;
        }
        var offered = source.querySelector('input[name="create_order"]');
        var box = winForm.elements.create_order;
        document.getElementById("win-order").hidden = !offered;
        box.disabled = !offered; // not sent when the page does not offer an order
        box.checked = Boolean(offered && offered.checked);
        var link = card.querySelector("a");
        document.getElementById("win-name").textContent = link ? link.textContent : "";
        winForm.setAttribute("action", card.dataset.winUrl);
        winDialog.showModal();
      })
      .catch(function () {
        openPage(card);
      })
      .finally(function () {
        board.classList.remove("busy");
      });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".crm-card") : null;
    if (!card || card.getAttribute("draggable") !== "true") {
      return;
    }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });

  board.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("dragging");
    }
    dragged = null;
    clearTargets();
  });

  board.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) {
      return;
    }
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  board.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) {
      column.classList.remove("drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    var card = dragged;
    if (!card || !column) {
      return;
    }
    event.preventDefault();
    clearTargets();
    if (column === columnOf(card)) {
      return;
    }
    var fields = { stage: column.dataset.stage };
    if (column.dataset.won === "1") {
      offerWin(card); // the card stays where it is until the win is confirmed
      return;
    }
    if (column.dataset.lost === "1" && dialog && dialog.showModal) {
      pending = { url: card.dataset.moveUrl, fields: fields };
      dialog.showModal();
      return;
    }
    column.querySelector(".crm-cards").appendChild(card); // show it at once; the answer redraws
    move(card.dataset.moveUrl, fields);
  });

  if (winDialog) {
    document.getElementById("win-cancel").addEventListener("click", function () {
      winDialog.close();
    });
  }

  if (dialog && loseForm) {
    dialog.addEventListener("close", function () {
      var wanted = pending;
      pending = null;
      if (!wanted || dialog.returnValue !== "lose") {
        return;
      }
      wanted.fields.lost_reason = loseForm.elements.lost_reason.value;
      wanted.fields.lost_note = loseForm.elements.lost_note.value;
      move(wanted.url, wanted.fields);
    });
  }
})();
