// On a learner's first visit, report the browser's time zone once, so their learning day, daily
// limits and streak follow their own clock. The page carries the <meta name="time-zone-detect">
// only while the learner has no time zone yet; the server checks the name and never replaces one
// they chose in Settings.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="time-zone-detect"]');
  if (!meta || !window.fetch) return;
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) return;
  var body = new FormData();
  body.append("time_zone", zone);
  body.append("csrfmiddlewaretoken", meta.dataset.csrfToken);
  fetch(meta.content, { method: "POST", body: body, credentials: "same-origin" });
  meta.remove();
})();
