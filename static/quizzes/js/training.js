// Training quiz: the live timer, the confirmation before submitting, the question panel and the
// certificate's print button. Everything here improves pages that already work without it.
(function () {
  "use strict";

  // --- Live timer ------------------------------------------------------------------------------
  // The server's deadline is the authority. The page knows the server's clock at render time, so
  // the difference to this device's clock (a phone's clock can be minutes off) is corrected.
  var WARNINGS = [
    { ms: 5 * 60 * 1000, text: "Less than 5 minutes left." },
    { ms: 60 * 1000, text: "Less than a minute left. Your attempt is submitted when the time is up." },
  ];

  function format(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var mm = (hours ? String(minutes).padStart(2, "0") : String(minutes));
    return (hours ? hours + ":" : "") + mm + ":" + String(seconds).padStart(2, "0");
  }

  function spoken(ms) {
    var minutes = Math.ceil(ms / 60000);
    return minutes <= 1 ? "less than a minute" : minutes + " minutes";
  }

  function submitAtZero(timer) {
    var form = document.getElementById(timer.dataset.timerForm || "");
    if (!form || form.dataset.submitting) return;
    form.dataset.submitting = "1";
    if (form.dataset.submitUrl) form.action = form.dataset.submitUrl;
    var marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "timer";
    marker.value = "1";
    form.appendChild(marker);
    form.submit();  // not requestSubmit: no confirmation, no button, just what the page holds
  }

  function startTimer(timer) {
    var deadline = Number(timer.dataset.deadline);
    // The server read its clock just before sending the page: compare it with this device's
    // clock at the moment the response began to arrive, not after the page loaded.
    var navigation = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var arrived = navigation && navigation.responseStart > 0
      ? performance.timeOrigin + navigation.responseStart : Date.now();
    var skew = Number(timer.dataset.serverNow) - arrived;
    var value = timer.querySelector("[data-timer-value]");
    var alert = document.querySelector("[data-timer-alert]");
    var warned = {};
    value.setAttribute("aria-label", "Time left");
    function tick() {
      var left = deadline - (Date.now() + skew);
      value.textContent = format(left);
      value.setAttribute("aria-label", "Time left: " + spoken(left));
      WARNINGS.forEach(function (warning) {
        if (left <= warning.ms && !warned[warning.ms] && left > 0) {
          WARNINGS.forEach(function (w) { if (w.ms >= warning.ms) warned[w.ms] = true; });
          timer.classList.add(warning.ms <= 60000 ? "is-urgent" : "is-warning");
          if (alert) alert.textContent = warning.text;
        }
      });
      // Shown as 0:00 for the last second: the submit leaves now, so it reaches the server
      // before the deadline and carries every answer on the page.
      if (left < 1000) {
        value.textContent = "0:00";
        if (alert) alert.textContent = "Time is up: submitting your attempt…";
        submitAtZero(timer);
        return;
      }
      window.setTimeout(tick, Math.min(1000, Math.max(50, (left % 1000) || 1000)));
    }
    tick();
  }

  // --- Confirmation before submitting --------------------------------------------------------
  function confirmBeforeSubmit(form) {
    var dialog = document.getElementById(form.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function") return;
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed || form.dataset.submitting) return;
      event.preventDefault();
      dialog.showModal();
      dialog.querySelector("[data-dialog-confirm]").focus();
    });
    dialog.querySelector("[data-dialog-cancel]").addEventListener("click", function () {
      dialog.close();
    });
    dialog.querySelector("[data-dialog-confirm]").addEventListener("click", function () {
      form.dataset.confirmed = "1";
      dialog.close();
      form.submit();
    });
  }

  // --- Question panel and answers ------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var jump = event.target.closest("[data-jump]");
    if (jump) {
      // The question is on this page: go to it instead of saving and reloading the page.
      var question = document.getElementById(jump.dataset.jump);
      if (question) {
        event.preventDefault();
        question.scrollIntoView({ block: "start" });
        var title = question.querySelector("h2");
        if (title) { title.setAttribute("tabindex", "-1"); title.focus({ preventScroll: true }); }
        history.replaceState(null, "", "#" + jump.dataset.jump);
      }
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
  });

  // Enter in a typed answer saves it (as leaving the field does) instead of reloading the page.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches(".quiz-question input[type=text]")) return;
    event.preventDefault();
    field.dispatchEvent(new Event("change", { bubbles: true }));
  });

  function countAnswered() {
    var count = document.querySelector("[data-answered-count]");
    if (count) count.textContent = document.querySelectorAll(".question-panel .panel-q.is-answered").length;
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    countAnswered();
    // A flag button replaced itself: keep the keyboard on it.
    var id = event.detail.elt && event.detail.elt.id;
    if (id && id.indexOf("flag-") === 0) {
      var button = document.getElementById(id);
      if (button) button.focus();
    }
  });

  function init() {
    document.querySelectorAll("[data-timer]").forEach(startTimer);
    document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
