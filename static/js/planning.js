// The planning pages' inline editing: vision fields, key results, the readiness checklist.
// Plain and small, loaded with `defer` (no inline scripts: CSP).
(function () {
  "use strict";

  // An inline form answers a refused save with 400 (bad input) or 409 (a colleague saved
  // first) and the form or row to show: swap it in instead of treating it as a failure.
  var swappedId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.elt;
    if ((status === 400 || status === 409) && source && source.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    swappedId = event.detail.target ? event.detail.target.id : null;
  });

  // After a swap, keep the keyboard where the user works: when the control they used is gone
  // (the Edit button became a textarea, or back), focus its counterpart in the new content.
  document.addEventListener("htmx:afterSwap", function () {
    var active = document.activeElement;
    var root = swappedId ? document.getElementById(swappedId) : null;
    swappedId = null;
    if (!root || (active && active !== document.body && document.contains(active))) return;
    var target = root.querySelector("[data-autofocus]");
    if (!target) return;
    target.focus();
    if (target.tagName === "TEXTAREA") {
      var end = target.value.length;
      target.setSelectionRange(end, end);
    }
  });

  // Inline text editing: Enter saves, Shift+Enter starts a new line, Esc cancels.
  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("[data-inline-edit]");
    if (!form || event.target.tagName !== "TEXTAREA") return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      var cancel = form.querySelector("[data-inline-cancel]");
      if (cancel) cancel.click();
    }
  });

  document.addEventListener("click", function (event) {
    // Clicking the text of an editable field opens it, like its Edit button.
    var opener = event.target.closest("[data-inline-open]");
    if (opener && !event.target.closest("a")) {
      var button = document.getElementById(opener.getAttribute("data-inline-open"));
      if (button) button.click();
    }
  });

  // Filters that apply as soon as they change (the form still has a button without JS).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });
})();
