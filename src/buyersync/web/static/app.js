// Small page helpers that need no framework. Every page works without them; they keep a
// seller's place after a save, bring the customer's stage into view on a phone, stop the
// board from refiltering on each arrow key, and count what a paste will keep.
(function () {
  "use strict";

  // -- copy a letter to the clipboard ------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    var label = button.textContent;
    function done() {
      button.textContent = button.dataset.done || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        field.select(); document.execCommand("copy"); done();
      });
    } else {
      field.select(); document.execCommand("copy"); done();
    }
  });

  // -- the weekly report's print button ---------------------------------------------------
  document.addEventListener("click", function (event) {
    if (event.target.closest("button[data-print]")) window.print();
  });

  // -- the process track: the customer's stage and the target in view ----------------------
  function showStages(root) {
    (root || document).querySelectorAll(".track-scroll").forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("overflows", overflows);
      if (!overflows) return;
      var marks = box.querySelectorAll(".pos-current .dot, .is-target .target-ring, .arrow-label");
      if (!marks.length) return;
      var frame = box.getBoundingClientRect();
      var left = Infinity, right = -Infinity;
      marks.forEach(function (m) {
        var r = m.getBoundingClientRect();
        left = Math.min(left, r.left - frame.left + box.scrollLeft);
        right = Math.max(right, r.right - frame.left + box.scrollLeft);
      });
      // both in view when they fit; else the customer's stage whole, with as much of the
      // way to the target as the box shows
      var centre = (left + right) / 2;
      if (right - left > box.clientWidth) {
        var cur = box.querySelector(".pos-current .dot").getBoundingClientRect();
        var curLeft = cur.left - frame.left + box.scrollLeft;
        var curRight = cur.right - frame.left + box.scrollLeft;
        var pad = 24;
        centre = curRight + pad - box.clientWidth / 2;
        if (left >= curLeft - 1) centre = curLeft - pad + box.clientWidth / 2;  // target ahead
      }
      box.scrollLeft = Math.max(0, centre - box.clientWidth / 2);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showStages(); });
  window.addEventListener("resize", function () { showStages(); });

  // -- keep the seller's place across a save in the deal room ------------------------------
  // Before the room is swapped: which form was used, where it sat on the screen, and which
  // of its fields had focus. After: the same form back at the same height, focus in it.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.closest || !form.closest("#room")) { kept = null; return; }
    form = form.closest("form") || form;
    var action = form.getAttribute("action");
    var same = Array.prototype.slice.call(document.querySelectorAll('#room form[action="' + action + '"]'));
    var section = form.closest("section[id]");
    var active = document.activeElement;
    kept = {
      action: action, index: same.indexOf(form), top: form.getBoundingClientRect().top,
      section: section ? section.id : null,
      focusId: active && form.contains(active) && active.id ? active.id : null,
      focusButton: active && form.contains(active) && active.tagName === "BUTTON"
    };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "room") showStages(event.detail.target);
    if (!kept) return;
    var k = kept; kept = null;
    var same = document.querySelectorAll('#room form[action="' + k.action + '"]');
    var form = same.length ? same[Math.min(Math.max(k.index, 0), same.length - 1)] : null;
    var section = k.section ? document.getElementById(k.section) : null;
    var anchor = form || section;
    if (!anchor) return;
    window.scrollBy(0, anchor.getBoundingClientRect().top - k.top);
    // a refused save: its one-line reason, right beside the form
    var problem = (section || anchor).querySelector(".edit-error, .alert");
    var target = problem
      || (k.focusId && document.getElementById(k.focusId))
      || (form && (k.focusButton || !k.focusId) && form.querySelector("button[type=submit]"))
      || (section && section.querySelector("h2"));
    if (!target) return;
    if (!target.matches("a, button, input, select, textarea")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    var flash = document.getElementById("flash");
    if (flash) {
      flash.classList.remove("is-old");
      clearTimeout(flash._hide);
      flash._hide = setTimeout(function () { flash.classList.add("is-old"); }, 8000);
    }
  });

  // -- the phone's "add evidence" button lands in the text box -----------------------------
  document.addEventListener("click", function (event) {
    var jump = event.target.closest("a.jump");
    if (!jump) return;
    var field = document.getElementById(jump.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  // -- board filters: a mouse choice refilters at once; arrow keys only when leaving -------
  var keyed = new WeakMap();
  document.addEventListener("keydown", function (event) {
    var select = event.target;
    if (select.tagName === "SELECT" && select.closest("form.filters")) {
      if (event.key === "Enter") { refilter(select); return; }
      keyed.set(select, true);
    }
  }, true);
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("form.filters select")) keyed.delete(event.target.closest("select"));
  }, true);
  function refilter(el) {
    var form = el.closest("form.filters");
    if (form && window.htmx) window.htmx.trigger(form, "refilter");
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.closest || !el.closest("form.filters")) return;
    if (el.tagName === "SELECT" && keyed.get(el)) { el.dataset.pending = "1"; return; }
    refilter(el);
  });
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (el.tagName === "SELECT" && el.dataset.pending) {
      delete el.dataset.pending;
      keyed.delete(el);
      refilter(el);
    }
  });

  // -- quick analysis: say how much of a long paste will be read ---------------------------
  document.addEventListener("input", function (event) {
    var field = event.target;
    var limit = parseInt(field.dataset && field.dataset.limit, 10);
    if (!limit) return;
    var note = document.getElementById(field.id + "-count");
    if (!note) return;
    var n = field.value.length;
    var fmt = function (x) { return x.toLocaleString(document.documentElement.lang); };
    var over = n > limit;
    note.textContent = (over ? note.dataset.over : note.dataset.count)
      .replace("{n}", fmt(n)).replace("{limit}", fmt(limit));
    note.classList.toggle("alert", over);
  });
})();
