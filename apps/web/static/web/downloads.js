// The chart's download links follow its container choice (docs/web.md, "Downloads"): a link with
// data-follow="assignment" gets the #assignment select's value as its `assignment` parameter (none: the whole batch)
// and, on a container page whose choices span batches, the chosen option's batch as `batch`.
(function () {
  "use strict";
  function follow(select) {
    document.querySelectorAll('a.download[data-follow="' + select.id + '"]').forEach(function (link) {
      var url = new URL(link.getAttribute("href"), window.location.href);
      var option = select.selectedOptions[0];
      if (select.value) {
        url.searchParams.set(select.id, select.value);
      } else {
        url.searchParams.delete(select.id);
      }
      if (option && option.dataset.batch && url.searchParams.has("batch")) {
        url.searchParams.set("batch", option.dataset.batch);
      }
      link.setAttribute("href", url.pathname + url.search);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("assignment");
    if (!select) {
      return;
    }
    follow(select);
    select.addEventListener("change", function () {
      follow(select);
    });
  });
})();
