// The review screen's keyboard, as in Anki: the rules below are each covered by a browser test
// (tests/e2e/test_review_keyboard.py). Everything works without this script as ordinary forms.
//
// - While a typed-answer field has focus, keys type; Enter checks (the form's own submit) and
//   Escape leaves the field, after which the other keys work.
// - After checking or revealing, every shortcut works whatever has focus; Space and Enter confirm
//   the highlighted grade (the focused grade, else the suggested one) unless the learner focused
//   a link or another button, which then does what it does.
// - Enter or Check with no choice picked says "Pick an answer first" and sends nothing (the
//   server refuses such a check too).
// - One request at a time (hx-sync on the screen drops a second one); a key pressed meanwhile is
//   ignored, except U, which undoes the answer that was on its way once it is recorded.
// - A refused request always shows its message: 400 and 409 are swapped in by htmx (the
//   htmx-config meta tag), anything else or a network failure is announced here.
(function () {
  "use strict";

  var SHORTCUTS = ["Space", "Enter", "u", "-", "@", "o"];
  var busy = false;
  var undoWhenIdle = false;

  function reviewScreen() {
    return document.getElementById("review-screen");
  }

  function isTextField(element) {
    if (!element || !element.tagName) return false;
    var tag = element.tagName;
    return tag === "INPUT" && !["radio", "checkbox", "button", "submit", "hidden"].includes(element.type) ||
      tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function focusedControl(target) {
    if (!target || !target.closest) return null;
    return target.closest("a[href], button, input, select, textarea, summary");
  }

  function say(screen, message) {
    var box = screen.querySelector("[data-client-message]");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function keyed(screen, key) {
    return screen.querySelector('[data-key="' + CSS.escape(key) + '"]:not([disabled])');
  }

  function nothingPicked(form) {
    return form.hasAttribute("data-needs-pick") && !form.querySelector('input[name="choice"]:checked');
  }

  function refusePick(screen, form) {
    say(screen, "Pick an answer first.");
    var first = form.querySelector('input[name="choice"]');
    if (first) first.focus();
  }

  function check(screen) {
    var form = screen.querySelector("form[data-check-form]");
    if (!form) return false;
    if (nothingPicked(form)) {
      refusePick(screen, form);
      return true;
    }
    form.requestSubmit(form.querySelector("[data-check]"));
    return true;
  }

  // Space and Enter: what they confirm on each stage ("end" screens keep the browser's keys).
  function confirmKey(screen, key, control) {
    var stage = screen.dataset.stage;
    var grade = control && control.matches("[data-grade]") ? control : null;
    if (control && !grade && (control.tagName === "A" || control.tagName === "BUTTON" ||
        control.tagName === "SUMMARY")) {
      return false; // the learner chose this link or button: let it do what it does
    }
    if (stage === "answer") {
      var target = grade || screen.querySelector("[data-suggested]");
      if (target) target.click();
      return Boolean(target);
    }
    if (stage !== "question") return false;
    var reveal = screen.querySelector("form:not([data-check-form]) [data-reveal]");
    if (reveal) {
      reveal.click();
      return true;
    }
    if (key === "Enter") return check(screen);
    return false; // Space on a choice card: the browser ticks the focused box
  }

  function onKey(event) {
    var screen = reviewScreen();
    if (!screen || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var key = event.key === " " ? "Space" : event.key;
    var target = event.target;
    if (isTextField(target)) {
      if (key === "Escape") {
        event.preventDefault();
        target.blur();
        screen.focus();
      }
      return; // every other key types; Enter submits the field's own form (the check)
    }
    var lower = key.length === 1 ? key.toLowerCase() : key;
    if (!SHORTCUTS.includes(lower) && !/^[1-9]$/.test(key)) return;
    // The review screen's rules, not the page's generic data-key shortcuts (bonelearn.js).
    event.stopPropagation();
    var handled = false;
    if (busy) {
      if (lower === "u") undoWhenIdle = true;
      handled = true; // a press while an answer is on its way must not land on the next card
    } else if (key === "Space" || key === "Enter") {
      handled = confirmKey(screen, key, focusedControl(target));
    } else {
      var button = keyed(screen, lower);
      if (button) {
        button.click();
        handled = true;
      }
    }
    if (handled) event.preventDefault();
  }
  // Capture on window: before the page's generic shortcuts (bonelearn.js) and the focused
  // control's own handling, so the review screen's rules win there.
  window.addEventListener("keydown", onKey, true);

  // A click on Check with nothing picked: the same message, and no request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var screen = reviewScreen();
    if (!screen || !form.matches || !form.matches("form[data-check-form]")) return;
    if (event.submitter && event.submitter.hasAttribute("data-reveal")) return;
    if (nothingPicked(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      refusePick(screen, form);
    }
  }, true);

  function inReview(event) {
    var element = event.detail && event.detail.elt;
    return Boolean(element && element.closest && (element.closest("#review-screen") || element.id === "review-screen"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!inReview(event)) return;
    busy = true;
    reviewScreen().setAttribute("aria-busy", "true");
  });

  document.addEventListener("htmx:afterRequest", function () {
    busy = false;
    var screen = reviewScreen();
    if (screen) screen.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:afterSettle", function () {
    var screen = reviewScreen();
    if (!screen) return;
    // "Study now (N due)" in the navigation follows the screen's count of the whole queue.
    var count = document.getElementById("study-now-count");
    if (count && screen.dataset.studyNow) count.textContent = "(" + screen.dataset.studyNow + " due)";
    if (!undoWhenIdle || busy) return;
    undoWhenIdle = false;
    var undo = keyed(screen, "u");
    if (undo) undo.click();
  });

  function refusal(detail) {
    var xhr = detail.xhr;
    if (!xhr || !xhr.status) return "The server could not be reached. Check your connection and try again.";
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = "";
    if (type.indexOf("text/plain") === 0) {
      text = xhr.responseText.trim();
    } else if (type.indexOf("text/html") === 0) {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var message = page.querySelector("[data-error-message]");
      text = message ? message.textContent.trim() : "";
    }
    return (text || "The server refused this request.") + " (" + xhr.status + ")";
  }

  function announce(event) {
    var screen = reviewScreen();
    if (!screen || !inReview(event)) return;
    undoWhenIdle = false;
    say(screen, refusal(event.detail));
  }
  document.addEventListener("htmx:responseError", announce);
  document.addEventListener("htmx:sendError", announce);
})();
