/* therabill's few behaviours, for every page (no inline script: the CSP forbids it).
   - Tables: a header checkbox ticks every row of the page; the bulk buttons say how many.
   - Forms with data-confirm ask before an action that cannot be undone.
   - Toasts stay until dismissed (no time limit to read them: WCAG 2.2.1).
   - Filter forms with data-autosubmit apply a changed select at once.
   - [data-add-row]: a button that adds one more row to a table of inputs (session codes).
   - [data-fill]: a suggestion button that puts its value into the named input (or, with
     data-mode="code", into the first empty code row of the session form).
   - The session form's modifier boxes show the chosen provider's therapy modifier. */
(function () {
  "use strict";

  function rowsOf(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody input[type=checkbox]"));
  }

  function refresh(table) {
    var boxes = rowsOf(table);
    var ticked = boxes.filter(function (b) { return b.checked; });
    var all = table.querySelector("thead input.select-all");
    if (all) {
      all.checked = boxes.length > 0 && ticked.length === boxes.length;
      all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
      all.disabled = boxes.length === 0;
    }
    boxes.forEach(function (b) {
      var row = b.closest("tr");
      if (row) { row.classList.toggle("picked", b.checked); }
    });
    var counter = document.querySelector("[data-picked-for='" + table.id + "']");
    if (counter) {
      counter.textContent = ticked.length === 0 ? "" : ticked.length === 1 ? "1 row ticked" : ticked.length + " rows ticked";
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) { return; }
    var table = target.closest("table.data");
    if (table && target.type === "checkbox") {
      if (target.classList.contains("select-all")) {
        rowsOf(table).forEach(function (b) { b.checked = target.checked; });
      }
      refresh(table);
    }
    if (target instanceof HTMLSelectElement && target.name === "provider" && document.getElementById("service-rows")) {
      modifierHint(target);
    }
    var auto = target.closest("form[data-autosubmit]");
    if (auto && target instanceof HTMLSelectElement) { auto.requestSubmit(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var dismiss = target.closest(".toast .dismiss");
    if (dismiss) { dismiss.closest(".toast").remove(); return; }
    var adder = target.closest("[data-add-row]");
    if (adder) { addRow(adder); return; }
    var fill = target.closest("[data-fill]");
    if (fill) { fillIn(fill); }
  });

  function addRow(button) {
    var body = document.getElementById(button.getAttribute("data-add-row"));
    if (!body) { return; }
    var rows = body.querySelectorAll("tr");
    var last = rows[rows.length - 1];
    var next = rows.length + 1;
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      input.name = input.name.replace(/_\d+$/, "_" + next);
      input.value = "";
      var label = input.getAttribute("aria-label");
      if (label) { input.setAttribute("aria-label", label.replace(/\d+$/, String(next))); }
    });
    body.appendChild(copy);
    var first = copy.querySelector("input");
    if (first) { first.focus(); }
  }

  function firstEmptyCode() {
    var body = document.getElementById("service-rows");
    if (!body) { return null; }
    var empty = Array.prototype.slice.call(body.querySelectorAll("input[name^=code_]"))
      .filter(function (i) { return !i.value.trim(); })[0];
    if (!empty) {
      addRow(document.querySelector("[data-add-row='service-rows']"));
      empty = body.querySelector("tr:last-child input[name^=code_]");
    }
    return empty;
  }

  function fillIn(button) {
    var mode = button.getAttribute("data-mode");
    var input = mode === "code" ? firstEmptyCode() : document.querySelector(button.getAttribute("data-target"));
    if (!input) { return; }
    var value = button.getAttribute("data-fill");
    if (button.getAttribute("data-mode") === "append") {
      /* a list "A, B, par": the part being typed is replaced, a finished one is kept */
      var parts = input.value.split(",").map(function (p) { return p.trim(); }).filter(Boolean);
      var bare = function (code) { return code.replace(".", "").toUpperCase(); };
      var typed = parts.length ? bare(parts[parts.length - 1]) : "";
      var have = parts.map(bare);
      if (have.indexOf(bare(value)) < 0) {
        if (typed && bare(value).indexOf(typed) === 0) { parts[parts.length - 1] = value; }
        else { parts.push(value); }
      }
      input.value = parts.join(", ");
    } else {
      input.value = value;
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (mode === "code") {
      var minutes = input.closest("tr").querySelector("input[name^=minutes_]");
      (minutes || input).focus();
    } else {
      input.focus();
    }
  }

  /* The therapy modifier a provider's discipline needs (GP, GO, GN) is the placeholder of
     the modifier boxes; a provider without one (massage, music) shows none. */
  function modifierHint(select) {
    var option = select.options[select.selectedIndex];
    var hint = option ? option.getAttribute("data-modifier") || "" : "";
    document.querySelectorAll("#service-rows input.modifiers").forEach(function (input) {
      if (hint) { input.setAttribute("placeholder", hint); } else { input.removeAttribute("placeholder"); }
    });
  }

  function start() {
    document.querySelectorAll("table.data").forEach(refresh);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
