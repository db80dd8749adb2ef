/* Keyboard access to viewflow's side menu (WCAG 2.1.1).
 *
 * viewflow's drawer turns the menu into an MDC list with a "roving tabindex": every
 * link gets tabindex="-1" and only arrow keys move between them, but no link is left
 * with tabindex="0", so the menu cannot be reached with Tab at all. Here every menu
 * link and button is an ordinary Tab stop again, and the list's own focus and key
 * handling is kept away from them (it would take the tabindex away again on blur).
 */
(function () {
  "use strict";
  var GROUPS = ".vf-page__menu-primary, .vf-page__menu-secondary";

  function release(group) {
    group.querySelectorAll('a[tabindex="-1"], button[tabindex="-1"]').forEach(function (el) {
      el.removeAttribute("tabindex");
    });
  }

  function fixMenu() {
    document.querySelectorAll(GROUPS).forEach(function (group) {
      release(group);
      if (group.dataset.dkKeyboard) return;
      group.dataset.dkKeyboard = "1";
      ["focusin", "focusout", "keydown"].forEach(function (type) {
        group.addEventListener(type, function (event) { event.stopPropagation(); });
      });
      // The list may lay itself out again (drawer opened, window resized).
      new MutationObserver(function () { release(group); }).observe(group, {
        subtree: true, attributes: true, attributeFilter: ["tabindex"]
      });
    });
  }

  // Turbo may load this script after a visit (from the login page, say): then the
  // page is there already.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixMenu);
  } else {
    fixMenu();
  }
  document.addEventListener("turbo:load", fixMenu);
  document.addEventListener("turbo:render", fixMenu);
})();
