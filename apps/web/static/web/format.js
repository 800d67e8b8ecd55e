/* What the pages' scripts (growth.js, segments.js, plan.js) share: calendar days in words and a small element
   builder. Loaded before them. */
window.aquamindFormat = (function () {
  "use strict";
  const dayFmt = new Intl.DateTimeFormat("en-GB", {day: "numeric", month: "short", year: "numeric", timeZone: "UTC"});
  /* "8 Jan 2024" for an ISO date (a calendar day: read as UTC so no time zone moves it); "–" for none. */
  const day = iso => iso ? dayFmt.format(new Date(iso + "T00:00:00Z")) : "–";
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  return {day, el};
})();
