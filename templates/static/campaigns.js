/* Campaign page: refresh the progress counts every few seconds from progress.json.
   Without JavaScript the page still works: its "Actualiser" link reloads it. */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var statusCell = box.querySelector('[data-field="status"]');
  var labels = {};
  try { labels = JSON.parse(statusCell.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
  var DONE = { done: true, cancelled: true };

  function set(field, text) {
    var cell = box.querySelector('[data-field="' + field + '"]');
    if (cell && cell.textContent !== text) { cell.textContent = text; }
  }

  function show(data) {
    set("status", labels[data.status] || data.status);
    set("pending", String(data.pending + data.sending));
    set("sent", String(data.sent));
    set("failed", String(data.failed));
    set("suppressed", String(data.suppressed));
    set("rate_per_minute", String(data.rate_per_minute));
    set("seconds_left", data.seconds_left === null ? "–" : Math.ceil(data.seconds_left / 60) + " min");
    return !DONE[data.status];
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && show(data)) { window.setTimeout(poll, 3000); } })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
