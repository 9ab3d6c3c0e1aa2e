// BoneLearn's small script: keyboard shortcuts declared in markup, and focus after htmx swaps.
// Any element with data-key="X" is clicked when X is pressed (outside text fields).
(function () {
  "use strict";
  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(target.type) ||
      tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var key = event.key === " " ? "Space" : event.key;
    var target = document.querySelector('[data-key="' + CSS.escape(key) + '"]:not([disabled])');
    if (!target) return;
    event.preventDefault();
    target.click();
  });
  // After a swap, move focus to the new content's marked element so keyboard and screen-reader
  // users continue where the new content starts.
  document.addEventListener("htmx:afterSettle", function (event) {
    // A swap the learner did not ask to move to (e.g. "Saved" after leaving a field) keeps focus.
    if (event.detail.elt.closest && event.detail.elt.closest("[data-keep-focus]")) return;
    var focusTarget = event.detail.elt.querySelector("[data-autofocus]") || event.detail.elt;
    if (focusTarget && focusTarget.focus) {
      if (!focusTarget.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(focusTarget.tagName)) {
        focusTarget.setAttribute("tabindex", "-1");
      }
      focusTarget.focus({ preventScroll: false });
    }
  });
})();
