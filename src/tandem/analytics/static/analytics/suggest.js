/* The quotation editor's "Suggested" panel (sales/_suggestions.html): "Add" puts the product
 * on a line of the UI kit's line editor (web/lines.js) without a copy of its code: the last
 * line is used when it is still empty, else the editor's own "Add line" button adds one; the
 * product is then set on the line's picker and announced with the picker's own "picker:pick"
 * event, so lines.js fills the unit, price and taxes and refreshes the totals as if the user
 * had picked it. The panel reloads on the form's change and no longer offers the product.
 * CSP-safe: no inline code. */
(function () {
  "use strict";

  function rows(editor) {
    return Array.prototype.slice.call(editor.querySelectorAll("[data-lines] [data-line]"));
  }

  function isEmpty(row) {
    var value = row.querySelector("[data-line-product] [data-picker-value]");
    var text = row.querySelector("[data-line-product] [data-picker-text]");
    return value && !value.value && text && !text.value;
  }

  function lineFor(editor) {
    var all = rows(editor);
    var last = all[all.length - 1];
    if (last && isEmpty(last)) { return last; }
    editor.querySelector("[data-line-add]").click(); // lines.js adds the row
    all = rows(editor);
    return all[all.length - 1];
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-suggest-add]");
    if (!button) { return; }
    var form = button.closest("form");
    var editor = form && form.querySelector("[data-line-editor]");
    if (!editor) { return; }
    event.preventDefault();
    var row = lineFor(editor);
    if (!row) { return; }
    var picker = row.querySelector("[data-line-product] [data-picker]");
    var value = picker.querySelector("[data-picker-value]");
    value.value = button.dataset.product;
    picker.querySelector("[data-picker-text]").value = button.dataset.label;
    var quantity = row.querySelector("[data-cell=quantity]");
    if (quantity && button.dataset.quantity) { quantity.value = button.dataset.quantity; }
    picker.dispatchEvent(new CustomEvent("picker:pick", {
      bubbles: true, detail: { id: button.dataset.product, label: button.dataset.label }
    }));
    value.dispatchEvent(new Event("change", { bubbles: true }));
    var suggestion = button.closest("[data-suggestion]");
    if (suggestion) { suggestion.remove(); }
  });
})();
