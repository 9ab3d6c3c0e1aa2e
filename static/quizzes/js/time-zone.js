// On a learner's first visit, report the browser's time zone once, so their learning day, daily
// limits and streak follow their own clock. The page carries the form only while the learner has
// no time zone yet; the server checks the name and never overrides one they chose in Settings.
(function () {
  "use strict";
  var form = document.querySelector("form[data-time-zone-form]");
  if (!form || !window.fetch) return;
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) return;
  form.elements.time_zone.value = zone;
  fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
  form.remove();
})();
