/* ntsbrief margin notes (the plugin's `margin_notes` option; plain ES2017, nothing fetched).
 *
 * On a wide screen, a page's own notes (the list that ends the page,
 * section.ntsbrief-page-notes[data-ntsbrief-margin-notes]) are set in the right
 * margin, each beside its first marker, one below the other where they would
 * overlap. Only where they are drawn changes: the list stays where it is in the
 * document, so the reading and Tab order, screen readers, the links between
 * marker and note, print and narrow screens all get the end-of-page list (as
 * does a reader without script). The stylesheet (ntsbrief-notes.css) does the
 * rest, under the same width.
 */
(function () {
  "use strict";

  var WIDE = "(min-width: 76.25em)";  // Material's width for its table-of-contents sidebar
  var GAP = 12;                        // px between two notes in the margin

  function setUp() {
    var notes = document.querySelector(".ntsbrief-page-notes[data-ntsbrief-margin-notes]");
    var article = notes && notes.closest("article");
    if (!article || !window.matchMedia) return;
    var wide = window.matchMedia(WIDE);
    var items = notes.querySelectorAll(".ntsbrief-notes > li[id]");
    var frame = 0;

    // The first marker of a note in the page's text; for a note met only inside
    // another note, its marker there.
    function markerOf(item) {
      var links = article.querySelectorAll('a[role="doc-noteref"]');
      var found = null;
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("href") !== "#" + item.id) continue;
        if (!notes.contains(links[i])) return links[i];
        found = found || links[i];
      }
      return found;
    }

    function layout() {
      frame = 0;
      var on = wide.matches;
      article.classList.toggle("ntsbrief-has-margin-notes", on);
      for (var i = 0; i < items.length; i++) items[i].style.top = "";
      article.style.minHeight = "";
      if (!on) return;
      var origin = article.getBoundingClientRect().top;
      var floor = 0;
      for (var j = 0; j < items.length; j++) {
        var marker = markerOf(items[j]);
        var top = Math.max(marker ? marker.getBoundingClientRect().top - origin : floor, floor);
        items[j].style.top = Math.round(top) + "px";
        floor = top + items[j].offsetHeight + GAP;
      }
      article.style.minHeight = Math.ceil(floor) + "px";  // the last notes stay above the footer
    }

    function later() {
      if (!frame) frame = window.requestAnimationFrame(layout);
    }

    layout();
    if (wide.addEventListener) wide.addEventListener("change", later);
    window.addEventListener("resize", later);   // the text reflows: markers move
    window.addEventListener("load", later);     // images above a marker
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
