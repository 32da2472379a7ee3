/* The engine's scripts, a file rather than inline: the pages' Content-Security-Policy
   runs no inline script it has not hashed (see notice_engine/csp.py). */
(function () {
  /* Keep the section when switching editions: #contact in one edition is #contact in every
     other. The theme's own language switcher would take over these links (they match the
     hreflang alternates) and drop the anchor, so the click stops here and the browser
     follows the link. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-keep-anchor]");
    if (!link) { return; }
    event.stopPropagation();
    if (location.hash) { link.href = link.href.split("#")[0] + location.hash; }
  }, true);

  /* mkdocs-material wraps every table in a box that scrolls sideways when the table is wider
     than the screen; keyboard users can scroll such a box only once it takes focus
     (axe-core: scrollable-region-focusable). Only boxes that do scroll become a tab stop. */
  function focusableWhenScrolling() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) { box.setAttribute("tabindex", "0"); }
      else if (box !== document.activeElement) { box.removeAttribute("tabindex"); }
    });
  }
  if (window.document$) {
    window.document$.subscribe(function () { setTimeout(focusableWhenScrolling, 0); });
  }
  window.addEventListener("resize", focusableWhenScrolling);
})();
