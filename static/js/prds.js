// The PRD parts' interactions: acceptance criteria dragged to reorder (SortableJS; Move up and
// Move down in a criterion's ⋯ menu are the keyboard alternative), the criterion status menu,
// the forms cloned in on demand (a criterion's status options and ⋯ menu, the comment and reply
// forms: one <template> each per page instead of one form per row), copying a criterion's link,
// expanding every endpoint of a contract, and the contract editor jumping to the line an error
// names. Plain, small, loaded with `defer` (CSP: no inline scripts), listeners delegated from
// the document so htmx swaps need no re-binding.
(function () {
  "use strict";
  if (window.lodestarPrdParts) return;
  window.lodestarPrdParts = true;

  function toast(text, level) {
    document.dispatchEvent(new CustomEvent("lodestar:toast", { detail: { text: text, level: level } }));
  }

  // A refused inline change answers 400 or 409 with the row or list to show (the saved state
  // and why): swap it in instead of treating it as a failure.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.elt;
    if ((status === 400 || status === 409) && source && source.closest && source.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // SortableJS leaves empty style attributes on the rows it animated; htmx's settle step
    // would copy them onto the new rows with the same id, which the CSP refuses.
    var target = event.detail.target;
    if (target && target.id === "criteria") {
      target.querySelectorAll("[style]").forEach(function (element) { element.removeAttribute("style"); });
    }
  });

  // --- Forms cloned in on demand ------------------------------------------------------------------
  // A criterion row carries only its status badge (and, for editors, its handle and ⋯ button).
  // What opening one shows is cloned from the page's <template>, addressed to the criterion:
  // its URLs continue the list's data-criteria-url with "<id>/status/", "<id>/move/" and so on.

  function cloned(id) {
    var template = document.getElementById(id);
    return template && template.content ? template.content.cloneNode(true) : null;
  }

  function criterionOf(element) {
    var item = element.closest(".criterion");
    var list = item && item.closest("[data-criteria-url]");
    var main = item && item.querySelector(".criterion-main");
    if (!list || !main) return null;
    var id = item.getAttribute("data-id");
    return { item: item, main: main, id: id, url: list.getAttribute("data-criteria-url") + id + "/" };
  }

  function activate(element) {
    if (window.htmx) window.htmx.process(element);
  }

  function fillStatusMenu(menu) {
    if (menu.querySelector(".ac-status-options")) return;
    var criterion = criterionOf(menu);
    var fragment = cloned("ac-status-template");
    if (!criterion || !fragment) return;
    var form = fragment.querySelector("form");
    var url = criterion.url + "status/";
    form.setAttribute("action", url);
    form.setAttribute("hx-post", url);
    form.setAttribute("hx-target", "#" + criterion.main.id);
    form.querySelector("[name=version]").value = criterion.main.getAttribute("data-version");
    form.querySelectorAll("button[name=status]").forEach(function (option) {
      if (option.value === criterion.main.getAttribute("data-status")) option.setAttribute("aria-current", "true");
    });
    menu.appendChild(fragment);
    activate(form);
  }

  function fillEditorMenu(menu) {
    var items = menu.querySelector(".ac-menu-items");
    if (!items || items.querySelector(".ac-move")) return;
    var criterion = criterionOf(menu);
    var fragment = cloned("ac-menu-template");
    if (!criterion || !fragment) return;
    var form = fragment.querySelector("form");
    var url = criterion.url + "move/";
    form.setAttribute("action", url);
    form.setAttribute("hx-post", url);
    form.querySelector("[name=version]").value = criterion.main.getAttribute("data-version");
    form.querySelector(".ac-up").id = "ac-" + criterion.id + "-up";
    form.querySelector(".ac-down").id = "ac-" + criterion.id + "-down";
    items.appendChild(fragment);
    activate(form);
  }

  function fillCommentForm(details) {
    if (details.querySelector("form")) return;
    var fragment = cloned("comment-form-template");
    if (!fragment) return;
    var target = fragment.querySelector("[data-comment-target]");
    var label = fragment.querySelector("label");
    var field = fragment.querySelector("textarea");
    var button = fragment.querySelector("button[type=submit]");
    var id;
    if (details.classList.contains("thread-new")) {
      var criterion = criterionOf(details);
      if (!criterion) return;
      target.name = "criterion";
      target.value = criterion.id;
      id = "comment-on-" + criterion.id;
      label.textContent = "Comment on this criterion";
      field.placeholder = "Comment on this criterion… (Markdown works)";
      button.textContent = "Comment";
    } else {
      var parent = details.getAttribute("data-parent");
      var thread = details.closest(".thread");
      var author = thread && thread.querySelector(".comment-author");
      target.name = "parent";
      target.value = parent;
      id = "reply-" + parent;
      label.textContent = "Reply to " + (author ? author.textContent : "this comment");
      field.placeholder = "Reply… (Markdown works)";
      button.textContent = "Reply";
    }
    label.htmlFor = id;
    field.id = id;
    details.appendChild(fragment);
  }

  // Filled when opened: on the summary's click (before the browser opens it, so nothing
  // flashes empty) and, for a menu opened by script, on its toggle.
  function fill(details) {
    if (!details || details.tagName !== "DETAILS") return;
    if (details.classList.contains("ac-status-menu")) fillStatusMenu(details);
    else if (details.classList.contains("ac-menu")) fillEditorMenu(details);
    else if (details.classList.contains("thread-new") || details.classList.contains("thread-reply")) fillCommentForm(details);
  }
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("summary");
    if (summary) fill(summary.parentElement);
  }, true);
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.open) return;
    fill(details);
    if (details.matches && details.matches(".thread-new, .thread-reply")) {
      var field = details.querySelector("textarea");
      if (field && !field.form.contains(document.activeElement)) field.focus();
    }
  }, true);

  // Delete… points the page's one confirmation at its criterion.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-delete-criterion]");
    if (!button) return;
    var criterion = criterionOf(button);
    var dialog = document.getElementById("delete-criterion");
    if (!criterion || !dialog) return;
    var form = dialog.querySelector("form");
    form.setAttribute("action", criterion.url + "delete/");
    form.querySelector("[name=version]").value = criterion.main.getAttribute("data-version");
    var menu = button.closest("details");
    if (menu) menu.open = false;
  });

  // After a swap, keep the keyboard where the user was: a status change returns to the
  // criterion's status badge, a move to the moved criterion's ↑/↓ button (or its badge).
  var focusAfterSwap = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var main = event.detail.elt.closest && event.detail.elt.closest(".criterion-main");
    if (!main) return;
    var submitter = document.activeElement;
    focusAfterSwap = {
      id: main.id.replace(/-main$/, ""),
      control: submitter && submitter.id ? submitter.id : null,
    };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focusAfterSwap) return;
    var wanted = focusAfterSwap;
    focusAfterSwap = null;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var control = wanted.control ? document.getElementById(wanted.control) : null;
    if (!control && wanted.control && /-(up|down)$/.test(wanted.control)) {
      // The list came back with its menus empty: fill the moved criterion's again.
      var button = document.getElementById(wanted.id + "-menu");
      if (button) fillEditorMenu(button.parentElement);
      control = document.getElementById(wanted.control);
    }
    // A move made from the criterion's menu reopens it, so Move up can be pressed again.
    var menu = control && control.closest("details.ac-menu");
    if (menu && getComputedStyle(control).display !== "none") {
      menu.open = true;
      control.focus();
      return;
    }
    if (control && !menu && control.offsetParent !== null) {
      control.focus();
      return;
    }
    var fallback = document.getElementById(wanted.id + (menu ? "-menu" : "-status"));
    if (fallback) fallback.focus();
  });

  // --- Drag to reorder --------------------------------------------------------------------------

  function onDrop(event) {
    if (event.oldIndex === event.newIndex) return;
    var item = event.item;
    var main = item.querySelector(".criterion-main");
    if (!main || !window.htmx) return;
    var previous = item.previousElementSibling;
    var criterion = criterionOf(main);
    if (!criterion) return;
    item.classList.add("criterion-saving");
    focusAfterSwap = { id: item.id, control: null };
    window.htmx.ajax("POST", criterion.url + "move/", {
      source: main,
      target: "#criteria",
      select: "#criteria",
      swap: "outerHTML",
      values: { version: main.getAttribute("data-version"), after: previous ? previous.getAttribute("data-id") : "" },
    });
  }

  function initSortable(root) {
    if (!window.Sortable) return;
    root.querySelectorAll(".criteria-sortable").forEach(function (list) {
      if (list._prdSortable) return;
      list._prdSortable = true;
      window.Sortable.create(list, {
        handle: ".ac-handle",
        draggable: ".criterion",
        animation: 150,
        ghostClass: "criterion-ghost",
        chosenClass: "criterion-chosen",
        onEnd: onDrop,
      });
    });
  }

  // --- Status menu: one open at a time, Esc or a click elsewhere closes it ----------------------

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("[data-close-outside]") || !menu.open) return;
    document.querySelectorAll("details[data-close-outside][open]").forEach(function (other) {
      if (other !== menu) other.open = false;
    });
    // Focus goes into the menu, unless it is there already (a move reopened it on its button).
    if (menu.contains(document.activeElement) && document.activeElement !== menu.querySelector("summary")) return;
    var current = menu.querySelector('[aria-current="true"]') || menu.querySelector("button");
    if (current) current.focus();
  }, true);
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-close-outside][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details[data-close-outside][open]");
    if (!menu) return;
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.focus();
  });

  // --- Copy a criterion's deep link (the link still works as a plain anchor) ---------------------

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-copy-link]");
    if (!link) return;
    var url = window.location.href.split("#")[0] + link.getAttribute("href");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () {
        link.classList.add("ac-copied");
        toast("Link copied: " + url, "success");
      }, function () {});
    }
  });

  // --- Endpoints: expand or collapse them all; print them open ------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-endpoints-toggle]");
    if (!button) return;
    var list = document.getElementById(button.getAttribute("data-endpoints-toggle"));
    if (!list) return;
    var open = button.getAttribute("data-open") !== "true";
    list.querySelectorAll("details.endpoint").forEach(function (endpoint) { endpoint.open = open; });
    button.setAttribute("data-open", open ? "true" : "false");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "Collapse all" : "Expand all";
  });
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.prototype.slice.call(document.querySelectorAll("details.endpoint:not([open])"));
    closedForPrint.forEach(function (endpoint) { endpoint.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (endpoint) { endpoint.open = false; });
    closedForPrint = [];
  });

  // --- The contract editor: put the cursor on the line an error names -------------------------

  function jumpToErrorLine(root) {
    var field = root.querySelector("textarea[data-error-line]");
    if (!field) return;
    var line = parseInt(field.getAttribute("data-error-line"), 10);
    var lines = field.value.split("\n");
    if (!(line >= 1 && line <= lines.length)) return;
    var start = 0;
    for (var index = 0; index < line - 1; index += 1) start += lines[index].length + 1;
    field.focus();
    field.setSelectionRange(start, start + lines[line - 1].length);
    var lineHeight = parseFloat(getComputedStyle(field).lineHeight) || 20;
    field.scrollTop = Math.max(0, (line - 4) * lineHeight);
  }

  function init(root) {
    initSortable(root);
    root.querySelectorAll("[data-endpoints-toggle]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    jumpToErrorLine(document);
  });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  if (document.readyState !== "loading") init(document);
})();
