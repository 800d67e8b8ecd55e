// Under the date fields of a list's filters (the change feed's From and To), the chosen day in the pages' one format
// ("Sun 6 Dec 2026"), as quick_entry.js does for its forms: the browser draws a date field in its own language's format
// (12/06/2026 in an American browser). Text only (textContent); needs format.js first.
(function () {
  "use strict";
  for (const input of document.querySelectorAll("form.filters input[type=date]")) {
    const note = document.createElement("span");
    note.className = "day-words"; note.setAttribute("aria-live", "polite");
    const show = () => { note.textContent = input.value ? window.aquamindFormat.weekday(input.value) : ""; };
    input.after(note);
    input.addEventListener("input", show); input.addEventListener("change", show);
    show();
  }
})();
