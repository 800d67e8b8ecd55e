/* What the pages' scripts (growth.js, segments.js, plan.js, quick_entry.js) share: days and instants in the pages'
   one format, figures in the farm's locale, and a small element builder. Loaded before them.
   The month names are ours, not the browser's: Intl's en-GB "short" month is "Sept" in current browsers, where the
   server (Django's "j M Y") writes "Sep"; one format everywhere, "16 Sep 2026" (docs/web.md "Formats"). */
window.aquamindFormat = (function () {
  "use strict";
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const LOCALE = "en-GB";
  /* the parts of an ISO date ("2024-01-08"), a calendar day: no time zone moves it */
  const parts = iso => { const [y, m, d] = iso.slice(0, 10).split("-").map(Number); return {y, m, d}; };
  /* "8 Jan 2024" for an ISO date; "–" for none. */
  const day = iso => { if (!iso) return "–"; const {y, m, d} = parts(iso); return `${d} ${MONTHS[m - 1]} ${y}`; };
  /* "Mon 8 Jan 2024" */
  const weekday = iso => iso ? `${WEEKDAYS[new Date(Date.UTC(...(p => [p.y, p.m - 1, p.d])(parts(iso)))).getUTCDay()]} ${day(iso)}` : "–";
  /* "Mon 8 Jan 2024, 08:05" for a datetime-local field's value (the browser's own zone) */
  const localTime = value => value ? `${weekday(value)}, ${value.slice(11, 16)}` : "–";
  /* "1 Dec 2026, 09:55 UTC": an instant in the farm's zone (the page passes TIME_ZONE), as the server writes it */
  function instant(iso, timeZone) {
    if (!iso) return "never";
    const fmt = new Intl.DateTimeFormat(LOCALE, {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZone, timeZoneName: "short"});
    const p = Object.fromEntries(fmt.formatToParts(new Date(iso)).map(x => [x.type, x.value]));
    return `${Number(p.day)} ${MONTHS[Number(p.month) - 1]} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
  }
  /* 1234.5 → "1,234.5" (at most `digits` decimals), or with exactly `digits` when `fixed`; "–" for none */
  function number(v, digits = 0, fixed = false) {
    if (v === null || v === undefined || v === "") return "–";
    return Number(v).toLocaleString(LOCALE, {minimumFractionDigits: fixed ? digits : 0, maximumFractionDigits: digits});
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  return {day, weekday, localTime, instant, number, el, MONTHS};
})();
