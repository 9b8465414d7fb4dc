// Lodestar's own behaviour: small, plain, and loaded with `defer` (no inline scripts: CSP).
(function () {
  "use strict";


  // Native <dialog> confirmations: a button with data-dialog-open="id" opens one,
  // data-dialog-close inside it closes it. Without JS the opener does nothing harmful.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && typeof dialog.showModal === "function") {
        dialog.showModal();
        var cancel = dialog.querySelector("[data-dialog-close]");
        if (cancel) cancel.focus();
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      closer.closest("dialog").close();
      return;
    }
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      var field = document.querySelector(copier.getAttribute("data-copy"));
      if (!field) return;
      field.select();
      var done = function () { copier.textContent = "Copied"; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      }
      return;
    }
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) dismiss.closest(".toast").remove();
  });

  // Toasts fade out after a while, except errors, which stay until dismissed.
  function scheduleToasts(root) {
    root.querySelectorAll(".toast:not(.toast-error)").forEach(function (toast) {
      window.setTimeout(function () { toast.classList.add("toast-leaving"); }, 5000);
      window.setTimeout(function () { toast.remove(); }, 5600);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { scheduleToasts(document); });

  // After htmx swaps a row, keep keyboard focus on the control the user was using.
  var focusedBeforeSwap = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusedBeforeSwap = active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!focusedBeforeSwap) return;
    var again = document.getElementById(focusedBeforeSwap);
    if (again) again.focus();
    focusedBeforeSwap = null;
  });
  // A failed htmx request (e.g. 403, 500, offline) is reported instead of silently ignored.
  document.addEventListener("htmx:responseError", function (event) {
    showToast("Could not save (" + event.detail.xhr.status + "). Reload the page and try again.", "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("Could not reach Lodestar. Check your connection and try again.", "error");
  });

  // Views answering htmx requests announce outcomes with an HX-Trigger "lodestar:toast" event.
  document.addEventListener("lodestar:toast", function (event) {
    showToast(event.detail.text, event.detail.level);
  });

  function showToast(text, level) {
    var region = document.getElementById("toasts");
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + level;
    var span = document.createElement("span");
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    toast.appendChild(span);
    toast.appendChild(close);
    region.appendChild(toast);
    scheduleToasts(region);
  }
})();
