/* ntsbrief reader features, loaded on every page (plain ES2017, no dependencies,
 * nothing fetched: the previews a page needs are embedded in it as JSON).
 *
 * - Previews: hovering or keyboard-focusing a citation (a[role=doc-biblioref])
 *   or a note marker (a[role=doc-noteref]) shows the note or reference entry in
 *   a role="tooltip" popup linked with aria-describedby. It hides on pointer
 *   leave (after a grace period, so the pointer can move into it), on blur and
 *   on Escape (focus stays on the link). On touch, the first tap on a link
 *   shows its preview, a second tap follows the link, a tap elsewhere closes it.
 *   Previews come from the page's embedded JSON (#ntsbrief-previews), or, for a
 *   note or entry on the page itself, from that note or entry.
 * - Print: links whose text already is their URL are marked, so the print
 *   stylesheet does not print the URL twice.
 * - Material's search dialog gets an accessible name.
 * The :target highlight and scroll margin are pure CSS (ntsbrief.css).
 */
(function () {
  "use strict";

  var LINKS = 'a[role="doc-biblioref"], a[role="doc-noteref"]';
  var SHOW_DELAY = 100;   // ms of hovering before a preview opens
  var HIDE_GRACE = 300;   // ms to move the pointer from the link into the preview
  var GAP = 6;            // px between the link and the preview
  var MARGIN = 8;         // px kept free at the viewport's edges

  function closest(node, selector) {
    while (node && node.nodeType !== 1) node = node.parentNode;
    return node && node.closest ? node.closest(selector) : null;
  }

  function contains(outer, node) {
    return !!(outer && node && (outer === node || outer.contains(node)));
  }

  function fragmentOf(link) {
    var href = link.getAttribute("href") || "";
    var at = href.indexOf("#");
    if (at < 0) return null;
    try {
      return decodeURIComponent(href.slice(at + 1));
    } catch (e) {
      return href.slice(at + 1);
    }
  }

  function loadPreviews() {
    var script = document.getElementById("ntsbrief-previews");
    if (!script) return null;
    try {
      var data = JSON.parse(script.textContent);
      return data && typeof data === "object" ? data : null;
    } catch (e) {
      return null;
    }
  }

  // -- previews ---------------------------------------------------------------

  // A note or entry that is on this page, as a preview: what ntsbrief's own
  // previews hold (render.preview_html): no ids, no back-links, links as text.
  function previewFromPage(fragment) {
    var target = document.getElementById(fragment);
    if (!target || !target.matches(".ntsbrief-notes > li, .csl-entry")) return null;
    var copy = target.cloneNode(true);
    var drop = copy.querySelectorAll(".ntsbrief-backref, .ntsbrief-citedin, [role='doc-backlink']");
    for (var i = 0; i < drop.length; i++) drop[i].parentNode.removeChild(drop[i]);
    var links = copy.querySelectorAll("a");
    for (var j = 0; j < links.length; j++) {
      var span = document.createElement("span");
      while (links[j].firstChild) span.appendChild(links[j].firstChild);
      links[j].parentNode.replaceChild(span, links[j]);
    }
    var marked = copy.querySelectorAll("[id], [role], [aria-label]");
    for (var k = 0; k < marked.length; k++) {
      marked[k].removeAttribute("id");
      marked[k].removeAttribute("role");
      marked[k].removeAttribute("aria-label");
    }
    var html = copy.innerHTML.trim();
    // A note's preview is headed by its number, as the embedded ones are (render.note_preview_html).
    var number = target.matches(".ntsbrief-notes > li") && target.getAttribute("value");
    return number ? '<p class="ntsbrief-preview-label">Note ' + number.replace(/\D/g, "") + "</p>\n" + html : html;
  }

  function setUpPreviews() {
    // Embedded previews first; notes and entries on this very page (a
    // single-page full text) serve as their own previews when not embedded.
    var previews = loadPreviews() || {};
    var own = Object.prototype.hasOwnProperty;
    function previewOf(fragment) {
      if (!own.call(previews, fragment)) previews[fragment] = previewFromPage(fragment);
      return previews[fragment];
    }

    var tips = {};        // fragment -> tooltip element (shared by every link to it)
    var count = 0;
    var current = null;   // { link, tip } while a preview is shown
    var armed = null;     // the link whose preview a tap opened: a second tap follows it
    var showTimer = 0;
    var hideTimer = 0;
    var lastPointer = "";

    function tipFor(fragment) {
      if (tips[fragment]) return tips[fragment];
      var tip = document.createElement("div");
      tip.className = "ntsbrief-preview";
      tip.id = "ntsbrief-preview-" + (++count);
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      var inner = document.createElement("div");
      inner.className = "ntsbrief-preview__inner md-typeset";
      // Built by ntsbrief from the brief's own notes and entries: escaped HTML, no ids, no links.
      inner.innerHTML = previews[fragment];
      tip.appendChild(inner);
      tip.addEventListener("pointerenter", function () { clearTimeout(hideTimer); });
      tip.addEventListener("pointerleave", function (event) {
        if (event.pointerType === "mouse" && current && current.tip === tip
            && !contains(current.link, event.relatedTarget)) scheduleHide();
      });
      document.body.appendChild(tip);
      tips[fragment] = tip;
      return tip;
    }

    function describe(link, id) {
      var ids = (link.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (ids.indexOf(id) < 0) ids.push(id);
      link.setAttribute("aria-describedby", ids.join(" "));
    }

    var links = document.querySelectorAll(LINKS);
    for (var i = 0; i < links.length; i++) {
      var fragment = fragmentOf(links[i]);
      if (fragment && previewOf(fragment)) {
        describe(links[i], tipFor(fragment).id);
        links[i].setAttribute("data-ntsbrief-preview", fragment);
      }
    }

    function previewLink(node) {
      var link = closest(node, LINKS);
      return link && link.hasAttribute("data-ntsbrief-preview") ? link : null;
    }

    function headerBottom() {
      var header = document.querySelector(".md-header");
      if (!header) return 0;
      var style = window.getComputedStyle(header);
      if (style.position !== "sticky" && style.position !== "fixed") return 0;
      return Math.max(0, header.getBoundingClientRect().bottom);
    }

    function place(link, tip) {
      tip.style.maxHeight = "";
      tip.style.left = "0px";
      tip.style.top = "0px";
      // A link that wraps has a box per line: below the last line, or above the first.
      var box = link.getBoundingClientRect();
      var rects = link.getClientRects();
      var first = rects[0] || box;
      var last = rects[rects.length - 1] || box;
      var viewWidth = document.documentElement.clientWidth;
      var viewHeight = document.documentElement.clientHeight;
      var width = tip.offsetWidth;
      var height = tip.offsetHeight;
      var below = viewHeight - MARGIN - (last.bottom + GAP);
      var above = (first.top - GAP) - Math.max(MARGIN, headerBottom() + MARGIN);
      var onTop = false;
      if (height > below) {
        if (height <= above || above > below) onTop = true;
        var room = Math.max(onTop ? above : below, 96);
        if (height > room) {
          tip.style.maxHeight = room + "px";
          height = room;
        }
      }
      var top = onTop ? first.top - GAP - height : last.bottom + GAP;
      var left = Math.min((onTop ? first : last).left, viewWidth - MARGIN - width);
      left = Math.max(MARGIN, left);
      tip.style.left = Math.round(left + window.pageXOffset) + "px";
      tip.style.top = Math.round(top + window.pageYOffset) + "px";
      tip.classList.toggle("ntsbrief-preview--above", onTop);
    }

    function show(link) {
      clearTimeout(showTimer);
      clearTimeout(hideTimer);
      var tip = tipFor(link.getAttribute("data-ntsbrief-preview"));
      if (current && current.link === link) return;
      if (current) hide();
      current = { link: link, tip: tip };
      tip.hidden = false;
      place(link, tip);
      link.classList.add("ntsbrief-previewing");
    }

    function hide() {
      clearTimeout(showTimer);
      clearTimeout(hideTimer);
      if (current) {
        current.tip.hidden = true;
        current.link.classList.remove("ntsbrief-previewing");
      }
      current = null;
      armed = null;
    }

    function scheduleHide() {
      clearTimeout(hideTimer);
      hideTimer = setTimeout(hide, HIDE_GRACE);
    }

    function focusVisible(link) {
      try {
        return link.matches(":focus-visible");
      } catch (e) {
        return true;
      }
    }

    // Hover: pointer events, so that the mouse events a touch screen also
    // fires after a tap are not taken for hovering.
    document.addEventListener("pointerover", function (event) {
      if (event.pointerType !== "mouse") return;
      var link = previewLink(event.target);
      if (!link) return;
      if (current && current.link === link) {
        clearTimeout(hideTimer);
        return;
      }
      clearTimeout(showTimer);
      showTimer = setTimeout(function () { show(link); }, SHOW_DELAY);
    });

    document.addEventListener("pointerout", function (event) {
      if (event.pointerType !== "mouse") return;
      var link = previewLink(event.target);
      if (!link || contains(link, event.relatedTarget)) return;
      clearTimeout(showTimer);
      if (document.activeElement === link && focusVisible(link)) return;  // shown for keyboard focus: stays
      if (current && current.link === link && !contains(current.tip, event.relatedTarget)) scheduleHide();
    });

    // Keyboard focus (not the focus a mouse click or a tap gives a link).
    document.addEventListener("focusin", function (event) {
      var link = previewLink(event.target);
      if (link && focusVisible(link)) show(link);
    });

    document.addEventListener("focusout", function (event) {
      if (current && current.link === event.target && !contains(current.tip, event.relatedTarget)) hide();
    });

    document.addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") && current) hide();
    });

    // Touch: a first tap previews, a second tap on the same link follows it.
    document.addEventListener("pointerdown", function (event) {
      lastPointer = event.pointerType || "";
      if (!current || event.pointerType === "mouse") return;
      if (!contains(current.link, event.target) && !contains(current.tip, event.target)) hide();
    }, true);

    function isTouch(event) {
      var type = event.pointerType || (event.detail ? lastPointer : "");
      if (type) return type === "touch" || type === "pen";
      if (!event.detail) return false;  // a click from the keyboard (Enter)
      return !!(window.matchMedia && window.matchMedia("(hover: none) and (pointer: coarse)").matches);
    }

    document.addEventListener("click", function (event) {
      var link = previewLink(event.target);
      if (!link) return;
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      if (isTouch(event) && armed !== link) {
        event.preventDefault();
        show(link);
        armed = link;
        return;
      }
      hide();  // the link is followed
    });

    window.addEventListener("resize", function () {
      if (current) place(current.link, current.tip);
    });
    window.addEventListener("pagehide", hide);
    window.addEventListener("hashchange", hide);
  }

  // -- print ------------------------------------------------------------------

  // A link that shows its own URL gets no " (URL)" after it in print.
  function markBareUrls() {
    var links = document.querySelectorAll('.md-content a[href^="http"]');
    for (var i = 0; i < links.length; i++) {
      var text = links[i].textContent.trim().replace(/\/$/, "");
      var href = links[i].getAttribute("href").replace(/\/$/, "");
      if (text === href || text === href.replace(/^https?:\/\//, "")) links[i].classList.add("ntsbrief-bare-url");
    }
  }

  // -- accessibility of the theme's own markup ---------------------------------

  // Material's search is a role="dialog" without a name (axe: aria-dialog-name).
  function nameSearchDialog() {
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (!dialog || dialog.hasAttribute("aria-label") || dialog.hasAttribute("aria-labelledby")) return;
    var input = dialog.querySelector("input.md-search__input");
    dialog.setAttribute("aria-label", (input && (input.getAttribute("aria-label") || input.getAttribute("placeholder"))) || "Search");
  }

  function start() {
    setUpPreviews();
    markBareUrls();
    nameSearchDialog();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
