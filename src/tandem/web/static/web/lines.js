/* The UI kit's document-line editor (web/_line_editor.html).
 * Rows are added (button, or Enter in the last row), removed and reordered in the page; each
 * row's inputs are named lines-<key>-<cell>, the key made here for a new row, so the server
 * reads the rows in page order. A picked product takes its unit, price and taxes from the
 * defaults endpoint; the totals come from the server's preview (an HTMX round trip to the
 * same service code that saves), never from arithmetic here. CSP-safe: no inline code. */
(function () {
  "use strict";

  function editorOf(el) { return el && el.closest ? el.closest("[data-line-editor]") : null; }
  function bodyOf(editor) { return editor.querySelector("[data-lines]"); }
  function rowsOf(editor) { return Array.prototype.slice.call(bodyOf(editor).querySelectorAll("[data-line]")); }
  function cell(row, name) { return row.querySelector("[data-cell=" + name + "]"); }
  function newKey() { return "n" + Math.random().toString(16).slice(2, 10); }

  function focusFirst(row) {
    var first = row.querySelector("[data-picker-text], input:not([type=hidden]), select");
    if (first) { first.focus(); }
  }

  function addRow(editor) {
    var template = editor.querySelector("template[data-line-template]");
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.split("__key__").join(newKey());
    var row = holder.querySelector("[data-line]");
    bodyOf(editor).appendChild(row);
    if (window.htmx) { window.htmx.process(row); }
    focusFirst(row);
    return row;
  }

  function preview(editor) {
    var form = editor.closest("form");
    var url = editor.dataset.previewUrl;
    if (!form || !url || !window.htmx) { return; }
    window.htmx.ajax("POST", url, {
      source: form, target: editor.querySelector("[data-line-totals]"), swap: "innerHTML"
    });
  }

  function schedule(editor) {
    clearTimeout(editor._lineTimer);
    editor._lineTimer = setTimeout(function () { preview(editor); }, 250);
  }

  function header(editor, key) {
    var form = editor.closest("form");
    var name = editor.dataset[key + "Field"];
    var field = form && name ? form.elements.namedItem(name) : null;
    return field && field.value !== undefined ? field.value : "";
  }

  function fillDefaults(editor, row, productId) {
    var params = new URLSearchParams({ product: productId });
    [["party", "party"], ["date", "date"], ["currency", "currency"], ["priceList", "price_list"]]
      .forEach(function (pair) {
        var value = header(editor, pair[0]);
        if (value) { params.set(pair[1], value); }
      });
    var quantity = cell(row, "quantity");
    if (quantity && quantity.value) { params.set("quantity", quantity.value); }
    fetch(editor.dataset.defaultsUrl + "&" + params.toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      var price = cell(row, "unit_price");
      if (price) { price.value = data.unit_price; }
      var description = cell(row, "description");
      if (description) { description.placeholder = data.description || ""; }
      var uom = cell(row, "uom");
      if (uom && data.uom) { uom.value = String(data.uom); }
      var taxes = cell(row, "taxes");
      if (taxes) {
        var wanted = (data.taxes || []).map(String);
        Array.prototype.forEach.call(taxes.options, function (option) {
          option.selected = wanted.indexOf(option.value) >= 0;
        });
        cell(row, "taxes_set").value = "1";
      }
      schedule(editor);
    }).catch(function () { schedule(editor); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest &&
      event.target.closest("[data-line-add], [data-line-remove], [data-line-up], [data-line-down]");
    var editor = editorOf(button);
    if (!button || !editor) { return; }
    event.preventDefault();
    if (button.matches("[data-line-add]")) {
      addRow(editor);
      return; // an empty row changes no total
    }
    var row = button.closest("[data-line]");
    var body = bodyOf(editor);
    if (button.matches("[data-line-remove]")) {
      row.remove();
      if (!rowsOf(editor).length) { addRow(editor); }
    } else if (button.matches("[data-line-up]") && row.previousElementSibling) {
      body.insertBefore(row, row.previousElementSibling);
    } else if (button.matches("[data-line-down]") && row.nextElementSibling) {
      body.insertBefore(row.nextElementSibling, row);
    }
    schedule(editor);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.defaultPrevented || event.isComposing) { return; }
    var target = event.target;
    var row = target.closest ? target.closest("[data-line]") : null;
    var editor = editorOf(row);
    if (!row || !editor || target.tagName === "TEXTAREA" || target.tagName === "BUTTON") { return; }
    event.preventDefault(); // Enter in a line never submits the whole document
    var rows = rowsOf(editor);
    var index = rows.indexOf(row);
    if (index === rows.length - 1) {
      addRow(editor);
    } else {
      var name = target.dataset.cell;
      var next = name ? cell(rows[index + 1], name) : null;
      if (next) { next.focus(); } else { focusFirst(rows[index + 1]); }
    }
  });

  document.addEventListener("picker:pick", function (event) {
    var productCell = event.target.closest("[data-line-product]");
    var editor = editorOf(event.target);
    if (productCell && editor) {
      fillDefaults(editor, productCell.closest("[data-line]"), event.detail.id);
    }
  });

  function changed(event) {
    var target = event.target;
    if (!target.form || (target.matches && target.matches("[data-picker-text]"))) { return; }
    var editor = target.form.querySelector("[data-line-editor]");
    if (editor) { schedule(editor); }
  }
  document.addEventListener("change", changed);
  document.addEventListener("input", changed);
})();
