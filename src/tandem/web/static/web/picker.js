/* The UI kit's picker: a foreign key chosen by typing (web/_picker.html).
 * The text box searches the JSON endpoint in data-picker-url (?q=...), the list offers what
 * it answers, and a choice writes the id into the hidden input the form posts. Listeners sit
 * on the document, so pickers added later (new lines, HTMX swaps) work without set-up.
 * No inline script and no eval: it runs under a strict Content-Security-Policy. */
(function () {
  "use strict";
  var timers = new WeakMap();

  function pickerOf(el) { return el.closest("[data-picker]"); }
  function listOf(p) { return p.querySelector("[data-picker-list]"); }
  function textOf(p) { return p.querySelector("[data-picker-text]"); }
  function valueOf(p) { return p.querySelector("[data-picker-value]"); }
  function options(p) { return Array.prototype.slice.call(listOf(p).querySelectorAll("[role=option]")); }

  function close(p) {
    var list = listOf(p);
    list.hidden = true;
    list.innerHTML = "";
    textOf(p).setAttribute("aria-expanded", "false");
    textOf(p).removeAttribute("aria-activedescendant");
  }

  function activate(p, index) {
    var all = options(p);
    all.forEach(function (li, i) {
      li.classList.toggle("active", i === index);
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) {
      textOf(p).setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    }
  }

  function render(p, items) {
    var list = listOf(p);
    var base = (textOf(p).name || "picker").replace(/[^A-Za-z0-9_-]/g, "");
    list.innerHTML = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = base + "-opt-" + i;
      li.dataset.id = item.id;
      li.textContent = item.label;
      list.appendChild(li);
    });
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "picker-empty";
      empty.textContent = p.dataset.pickerEmpty || "-";
      list.appendChild(empty);
    }
    list.hidden = false;
    textOf(p).setAttribute("aria-expanded", "true");
    if (items.length) { activate(p, 0); }
  }

  function search(p) {
    var url = p.dataset.pickerUrl;
    var asked = textOf(p).value;
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    fetch(url + sep + "q=" + encodeURIComponent(asked), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { items: [] };
    }).then(function (data) {
      // an answer to an older query is dropped: the box holds newer text
      if (textOf(p).value === asked && document.activeElement === textOf(p)) {
        render(p, data.items || []);
      }
    }).catch(function () { /* offline or refused: the list stays as it was */ });
  }

  function choose(p, li) {
    var value = valueOf(p);
    value.value = li.dataset.id;
    textOf(p).value = li.textContent;
    close(p);
    p.dispatchEvent(new CustomEvent("picker:pick", {
      bubbles: true, detail: { id: li.dataset.id, label: li.textContent }
    }));
    value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("input", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-picker-text]")) { return; }
    var p = pickerOf(text);
    // typed text is not a choice until one is picked from the list
    valueOf(p).value = "";
    clearTimeout(timers.get(p));
    timers.set(p, setTimeout(function () { search(p); }, 150));
  });

  document.addEventListener("keydown", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-picker-text]")) { return; }
    var p = pickerOf(text);
    var open = !listOf(p).hidden;
    var all = options(p);
    var index = all.findIndex(function (li) { return li.classList.contains("active"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { search(p); return; }
      var step = event.key === "ArrowDown" ? 1 : -1;
      if (all.length) { activate(p, (index + step + all.length) % all.length); }
    } else if (event.key === "Enter" && open && all.length && !event.isComposing) {
      event.preventDefault(); // a choice, not a form submission nor a new line
      choose(p, all[Math.max(index, 0)]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close(p);
    }
  });

  document.addEventListener("mousedown", function (event) {
    var li = event.target.closest && event.target.closest("[data-picker-list] [role=option]");
    if (!li) { return; }
    event.preventDefault(); // keep the focus in the text box
    choose(pickerOf(li), li);
  });

  document.addEventListener("focusout", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-picker-text]")) { return; }
    var p = pickerOf(text);
    setTimeout(function () { if (!p.contains(document.activeElement)) { close(p); } }, 150);
  });
})();
