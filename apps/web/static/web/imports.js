// The import job page: poll the job's status while it runs, show its progress, reload the page (which renders
// the report, escaped by the template) once it has finished. No data reaches HTML here: textContent and attributes.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-bar");
  var count = document.getElementById("import-count");
  var status = document.getElementById("import-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 3000); return; }
        status.textContent = job.status;
        if (job.progress.total > 0) bar.setAttribute("max", String(job.progress.total));
        bar.setAttribute("value", String(job.progress.done));
        count.textContent = job.progress.done + " rows";
        if (job.open) setTimeout(poll, 1000); else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
