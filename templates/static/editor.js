// The release form's autosave: every 30 seconds when something changed, and when the tab is
// hidden or closed, so that closing the browser loses nothing. The form works without it.
(function () {
  "use strict";
  var form = document.getElementById("release-form");
  if (!form || !form.dataset.autosaveUrl) { return; }
  var status = document.getElementById("autosave-status");
  var dirty = false;
  var INTERVAL = 30000;

  function fields() {
    var data = new FormData(form);
    data.delete("image_upload");
    data.delete("attachments");
    return data;
  }

  function say(text) { if (status) { status.textContent = text; } }

  function autosave() {
    if (!dirty) { return Promise.resolve(null); }
    dirty = false;
    return fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: fields(),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { dirty = true; say(answer.error || ""); return answer; }
        if (answer.where === "file" && answer.version) { form.elements.version.value = answer.version; }
        say(answer.message || "");
        return answer;
      });
    }).catch(function () { dirty = true; });
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.setInterval(autosave, INTERVAL);
  // Leaving the page: a beacon still goes out when the tab is closing.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && navigator.sendBeacon) {
      if (navigator.sendBeacon(form.dataset.autosaveUrl, fields())) { dirty = false; }
    }
  });
  window.pressroomEditor = { autosave: function () { dirty = true; return autosave(); } };
}());
