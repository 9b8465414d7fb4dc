// The roadmap's interactions: timeline bars dragged to move or resize, collapsible timeline
// groups, and board cards dragged between lanes (SortableJS) or moved with their buttons.
// Listeners are delegated from the document (one per event type, none per bar), a drag repaints
// at most once per animation frame and writes only SVG attributes (the CSP forbids style=).
(function () {
  "use strict";
  if (window.lodestarRoadmap) return;
  window.lodestarRoadmap = true;

  var DAY = 86400000;

  function dayNumber(iso) {
    var parts = iso.split("-");
    return Date.UTC(+parts[0], +parts[1] - 1, +parts[2]) / DAY;
  }
  function isoOf(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function shortDate(day) {
    return new Date(day * DAY).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(
        function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: {} }; }
      );
    });
  }

  function toast(text, level) {
    document.dispatchEvent(new CustomEvent("lodestar:toast", { detail: { text: text, level: level } }));
  }

  // A message that stays next to the view (conflicts must be seen, not just flash by).
  function showMessage(text) {
    var box = document.getElementById("roadmap-message");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  function errorText(data, fallback) {
    if (data && data.message) return data.message;
    if (data && data.errors) {
      var first = Object.keys(data.errors)[0];
      var value = data.errors[first];
      if (Array.isArray(value) && value.length) return value[0].message || value[0];
    }
    return fallback;
  }

  // --- Timeline geometry (mirrors roadmaps/timeline.py) ------------------------------------

  function chartOf(element) { return element.closest(".tl"); }

  function metrics(tl) {
    if (!tl._metrics) {
      tl._metrics = {
        origin: dayNumber(tl.dataset.origin),
        dayWidth: +tl.dataset.dayWidth,
        rowHeight: +tl.dataset.rowHeight,
        groupHeight: +tl.dataset.groupHeight,
        barHeight: +tl.dataset.barHeight,
      };
    }
    return tl._metrics;
  }

  function barIndex(svg) {
    if (!svg._bars) {
      svg._bars = {};
      svg.querySelectorAll(".tl-bar").forEach(function (bar) { svg._bars[bar.dataset.id] = bar; });
    }
    return svg._bars;
  }

  function arrowPath(x1, y1, x2, y2, rowHeight) {
    if (x2 - x1 >= 16) {
      var bend = Math.max(12, Math.min(60, (x2 - x1) / 2));
      return "M" + x1 + " " + y1 + "C" + (x1 + bend) + " " + y1 + " " + (x2 - bend) + " " + y2 + " " + x2 + " " + y2;
    }
    var middle = y2 > y1 ? y2 - rowHeight / 2 : y2 + rowHeight / 2;
    return "M" + x1 + " " + y1 + "H" + (x1 + 10) + "V" + middle + "H" + (x2 - 10) + "V" + y2 + "H" + x2;
  }

  function barBox(bar, m) {
    var group = bar.closest(".tl-group");
    if (group.classList.contains("tl-collapsed")) return null;
    var body = bar.querySelector(".tl-bar-body");
    var x = +body.getAttribute("x");
    var width = +body.getAttribute("width");
    return { x: x, end: x + width, y: +group.dataset.offset + +bar.dataset.y + m.barHeight / 2 };
  }

  function drawArrows(svg, arrows, m) {
    var bars = barIndex(svg);
    arrows.forEach(function (arrow) {
      var from = bars[arrow.dataset.from], to = bars[arrow.dataset.to];
      var a = from && barBox(from, m), b = to && barBox(to, m);
      if (!a || !b) {
        arrow.setAttribute("visibility", "hidden");
        return;
      }
      arrow.removeAttribute("visibility");
      arrow.setAttribute("d", arrowPath(a.end, a.y, b.x, b.y, m.rowHeight));
      arrow.classList.toggle("tl-arrow-late", b.x < a.end);
    });
  }

  function placeBar(bar, start, end, m) {
    var x = (start - m.origin) * m.dayWidth;
    var width = Math.max((end - start + 1) * m.dayWidth, 4);
    var body = bar.querySelector(".tl-bar-body");
    body.setAttribute("x", x);
    body.setAttribute("width", width);
    var handles = bar.querySelectorAll(".tl-handle");
    if (handles.length === 2) {
      handles[0].setAttribute("x", x);
      handles[1].setAttribute("x", x + width - 7);
    }
    var label = bar.querySelector(".tl-label");
    label.setAttribute("x", bar.classList.contains("tl-outside") ? x + width + 6 : x + 8);
    bar.querySelectorAll(".tl-flag circle, .tl-flag text").forEach(function (part) {
      part.setAttribute(part.tagName === "circle" ? "cx" : "x", x - 10);
    });
    return { x: x, width: width };
  }

  // After a drop, decide once (one layout read) whether the title still fits inside the bar.
  function fitLabel(bar) {
    var body = bar.querySelector(".tl-bar-body");
    var label = bar.querySelector(".tl-label");
    var x = +body.getAttribute("x"), width = +body.getAttribute("width");
    var outside = label.getComputedTextLength() + 16 > width;
    bar.classList.toggle("tl-outside", outside);
    label.setAttribute("x", outside ? x + width + 6 : x + 8);
  }

  function setTooltip(bar, text) {
    if (!text) return;
    var title = bar.querySelector("a > title, g > title");
    if (title) title.textContent = text;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";

  function setFlag(bar, message, m) {
    var flag = bar.querySelector(".tl-flag");
    if (!message) {
      if (flag) flag.remove();
      return;
    }
    if (!flag) {
      flag = document.createElementNS(SVG_NS, "g");
      flag.setAttribute("class", "tl-flag");
      flag.setAttribute("role", "img");
      flag.appendChild(document.createElementNS(SVG_NS, "title"));
      var dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("class", "tl-flag-dot");
      dot.setAttribute("r", 7);
      var mark = document.createElementNS(SVG_NS, "text");
      mark.setAttribute("class", "tl-flag-mark");
      mark.textContent = "!";
      flag.appendChild(dot);
      flag.appendChild(mark);
      bar.appendChild(flag);
      var y = +bar.dataset.y + m.barHeight / 2;
      var x = +bar.querySelector(".tl-bar-body").getAttribute("x") - 10;
      dot.setAttribute("cx", x); dot.setAttribute("cy", y);
      mark.setAttribute("x", x); mark.setAttribute("y", y);
    }
    flag.querySelector("title").textContent = message;
    flag.setAttribute("aria-label", message);
  }

  // --- Timeline drag --------------------------------------------------------------------------

  var drag = null;
  var swallowClick = false;

  function tip(svg) {
    var text = svg.querySelector(".tl-drag-tip");
    if (!text) {
      text = document.createElementNS(SVG_NS, "text");
      text.setAttribute("class", "tl-drag-tip");
      svg.appendChild(text);
    }
    return text;
  }

  function paint() {
    if (!drag) return;
    drag.frame = 0;
    var days = Math.round(drag.dx / drag.m.dayWidth);
    var start = drag.start0, end = drag.end0;
    if (drag.edge === "move") { start += days; end += days; }
    else if (drag.edge === "start") { start = Math.min(start + days, end); }
    else { end = Math.max(end + days, start); }
    drag.start = start;
    drag.end = end;
    var box = placeBar(drag.bar, start, end, drag.m);
    drawArrows(drag.svg, drag.arrows, drag.m);
    var label = tip(drag.svg);
    label.textContent = shortDate(start) + " – " + shortDate(end);
    label.setAttribute("x", box.x);
    label.setAttribute("y", +drag.bar.closest(".tl-group").dataset.offset + +drag.bar.dataset.y - 4);
  }

  document.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    var bar = event.target.closest(".tl-editable .tl-bar");
    if (!bar || bar.classList.contains("tl-saving")) return;
    var handle = event.target.closest(".tl-handle");
    var svg = bar.ownerSVGElement;
    var tl = chartOf(bar);
    var id = bar.dataset.id;
    drag = {
      bar: bar,
      svg: svg,
      m: metrics(tl),
      edge: handle ? handle.dataset.edge : "move",
      pointerId: event.pointerId,
      x0: event.clientX,
      dx: 0,
      moved: false,
      frame: 0,
      start0: dayNumber(bar.dataset.start),
      end0: dayNumber(bar.dataset.end),
      arrows: svg.querySelectorAll('.tl-arrow[data-from="' + id + '"], .tl-arrow[data-to="' + id + '"]'),
    };
    drag.start = drag.start0;
    drag.end = drag.end0;
    // Keeps the browser from starting a native link drag or a text selection.
    event.preventDefault();
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    drag.dx = event.clientX - drag.x0;
    if (!drag.moved) {
      if (Math.abs(drag.dx) < 4) return;
      drag.moved = true;
      // Captured only once it is a drag: a plain click must still reach the bar's link.
      drag.svg.setPointerCapture(drag.pointerId);
      drag.bar.classList.add("tl-dragging");
      drag.svg.classList.add("tl-is-dragging");
    }
    if (!drag.frame) drag.frame = requestAnimationFrame(paint);
  });

  function endDrag(event, cancelled) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    var state = drag;
    if (state.frame) cancelAnimationFrame(state.frame);
    if (state.moved) {
      swallowClick = true;
      paint();
    }
    drag = null;
    state.bar.classList.remove("tl-dragging");
    state.svg.classList.remove("tl-is-dragging");
    var label = state.svg.querySelector(".tl-drag-tip");
    if (label) label.textContent = "";
    if (!state.moved) return;
    if (cancelled || (state.start === state.start0 && state.end === state.end0)) {
      placeBar(state.bar, state.start0, state.end0, state.m);
      drawArrows(state.svg, state.arrows, state.m);
      return;
    }
    saveDates(state);
  }
  document.addEventListener("pointerup", function (event) { endDrag(event, false); });
  document.addEventListener("pointercancel", function (event) { endDrag(event, true); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drag) endDrag({ pointerId: drag.pointerId }, true);
  });

  document.addEventListener("click", function (event) {
    if (swallowClick) {
      swallowClick = false;
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  function applySaved(state, item) {
    var start = dayNumber(item.start_date), end = dayNumber(item.end_date);
    state.bar.dataset.start = item.start_date;
    state.bar.dataset.end = item.end_date;
    state.bar.dataset.version = item.version;
    placeBar(state.bar, start, end, state.m);
    fitLabel(state.bar);
    setTooltip(state.bar, item.tooltip);
  }

  function saveDates(state) {
    var bar = state.bar;
    var tl = chartOf(bar);
    bar.classList.add("tl-saving");
    post(tl.dataset.itemBase + bar.dataset.id + "/dates/", {
      start_date: isoOf(state.start),
      end_date: isoOf(state.end),
      version: bar.dataset.version,
    }).then(function (result) {
      var data = result.data;
      if (result.status === 200 && data.item) {
        applySaved(state, data.item);
        var bars = barIndex(state.svg);
        Object.keys(data.late || {}).forEach(function (id) {
          if (bars[id]) setFlag(bars[id], data.late[id], state.m);
        });
        toast("Saved: " + data.item.title + ", " + shortDate(state.start) + " – " + shortDate(state.end) + ".", "success");
      } else if (result.status === 409) {
        if (data.item) applySaved(state, data.item);
        else placeBar(bar, state.start0, state.end0, state.m);
        showMessage(errorText(data, "Someone else changed this item; nothing was saved."));
        toast(errorText(data, "Someone else changed this item; nothing was saved."), "error");
      } else {
        placeBar(bar, state.start0, state.end0, state.m);
        toast(errorText(data, "The new dates could not be saved (" + result.status + ")."), "error");
      }
    }, function () {
      placeBar(bar, state.start0, state.end0, state.m);
      toast("Could not reach Lodestar; the dates were not saved.", "error");
    }).then(function () {
      bar.classList.remove("tl-saving");
      drawArrows(state.svg, state.arrows, state.m);
    });
  }

  // --- Timeline groups: collapse, and labels that stay in view while scrolling sideways ------

  function relayout(svg) {
    var tl = chartOf(svg);
    var m = metrics(tl);
    var offset = 0;
    svg.querySelectorAll(".tl-group").forEach(function (group) {
      group.dataset.offset = offset;
      group.setAttribute("transform", "translate(0 " + offset + ")");
      var rows = group.classList.contains("tl-collapsed") ? 0 : +group.dataset.rows;
      offset += m.groupHeight + rows * m.rowHeight;
    });
    svg.setAttribute("height", Math.max(offset, m.rowHeight * 3));
    drawArrows(svg, svg.querySelectorAll(".tl-arrow"), m);
  }

  function toggleGroup(head) {
    var group = head.closest(".tl-group");
    var collapsed = group.classList.toggle("tl-collapsed");
    head.setAttribute("aria-expanded", collapsed ? "false" : "true");
    relayout(head.ownerSVGElement);
  }

  document.addEventListener("click", function (event) {
    var head = event.target.closest(".tl-group-head");
    if (head) toggleGroup(head);
  });
  document.addEventListener("keydown", function (event) {
    var head = event.target.closest && event.target.closest(".tl-group-head");
    if (head && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      toggleGroup(head);
    }
  });

  function initTimeline(scroller) {
    if (scroller._roadmapReady) return;
    scroller._roadmapReady = true;
    var tl = chartOf(scroller);
    var heads = scroller.querySelectorAll(".tl-group-head");
    var frame = 0;
    scroller.addEventListener("scroll", function () {
      if (frame) return;
      frame = requestAnimationFrame(function () {
        frame = 0;
        var left = scroller.scrollLeft;
        heads.forEach(function (head) { head.setAttribute("transform", "translate(" + left + " 0)"); });
      });
    }, { passive: true });
    var todayX = tl.dataset.todayX;
    if (todayX && !scroller.scrollLeft) {
      scroller.scrollLeft = Math.max(0, +todayX - scroller.clientWidth * 0.25);
    }
  }

  // --- Board ------------------------------------------------------------------------------------

  function refreshBoard() {
    if (!window.htmx || !document.getElementById("roadmap-body")) {
      window.location.reload();
      return Promise.resolve();
    }
    return window.htmx.ajax("GET", window.location.href, { target: "#roadmap-body", swap: "outerHTML" });
  }

  function refocus(id, fallbackId) {
    var again = document.getElementById(fallbackId);
    if (document.activeElement && document.activeElement !== document.body) return;
    if (again) { again.focus(); return; }
    var card = document.querySelector('.board-card[data-id="' + id + '"] .board-card-title');
    if (card) card.focus();
  }

  function moveCard(card, fields, focusId) {
    var board = card.closest(".board");
    fields.version = card.dataset.version;
    card.classList.add("board-saving");
    return post(board.dataset.itemBase + card.dataset.id + "/move/", fields).then(function (result) {
      var data = result.data;
      if (result.status === 200) {
        toast(data.message || "Moved.", "success");
        return refreshBoard().then(function () { refocus(card.dataset.id, focusId); });
      }
      var text = errorText(data, "The card could not be moved (" + result.status + ").");
      toast(text, "error");
      return refreshBoard().then(function () {
        showMessage(text);
        refocus(card.dataset.id, focusId);
      });
    }, function () {
      toast("Could not reach Lodestar; the card was not moved.", "error");
      return refreshBoard();
    });
  }

  function onCardDrop(event) {
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    var card = event.item;
    var previous = card.previousElementSibling;
    while (previous && !previous.classList.contains("board-card")) previous = previous.previousElementSibling;
    moveCard(card, { lane: event.to.dataset.lane, after: previous ? previous.dataset.id : "" }, null);
  }

  function initBoardLane(list) {
    if (list._roadmapReady || !window.Sortable) return;
    list._roadmapReady = true;
    window.Sortable.create(list, {
      group: "roadmap-lanes",
      animation: 150,
      draggable: ".board-card",
      filter: ".board-move",
      preventOnFilter: false,
      ghostClass: "board-ghost",
      chosenClass: "board-chosen",
      onEnd: onCardDrop,
    });
  }

  // The keyboard alternative: each card's move buttons post through the same endpoint.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest(".board-move");
    if (!form || !window.fetch) return;
    event.preventDefault();
    var button = event.submitter;
    var fields = {};
    if (button && button.name) fields[button.name] = button.value;
    if (fields.lane) fields.position = "end";
    moveCard(form.closest(".board-card"), fields, button ? button.id : null);
  });

  // --- Start-up, and again for content htmx swaps in -----------------------------------------

  function init(root) {
    root.querySelectorAll(".tl-scroll").forEach(initTimeline);
    root.querySelectorAll(".board-editable .board-cards").forEach(initBoardLane);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  if (document.readyState !== "loading") init(document);
})();
