/* The per-segment performance table under the growth chart (batch and container pages): one row per segment of
   growth-segments (docs/forecast.md "Segments"), for the whole batch or the chosen assignment. Read again only when
   the chart's data changes ("aquamind:growth-data", sent on a 200 and never on a 304), so an idle page costs
   nothing more. A ratio realised / scenario TGC below 0.9 or above 1.1 is highlighted. */
(function () {
  "use strict";
  const table = document.getElementById("segments");
  if (!table) return;
  const LOW = 0.9, HIGH = 1.1;
  const KINDS = {placement: "first day", growth_sample: "sample", transfer: "transfer weighing", treatment: "treatment weighing"};
  const {day, el} = window.aquamindFormat;
  const fixed = (v, digits) => window.aquamindFormat.number(v, digits, true);
  const weight = g => g === null || g === undefined ? "–" : fixed(g, g < 10 ? 2 : g < 100 ? 1 : 0);
  let shown = [], asked = null;

  function cell(text, cls, title) {
    const td = el("td", text, cls);
    if (title) td.title = title;
    return td;
  }

  function row(s, containers) {
    const tr = el("tr");
    tr.dataset.segment = s.id; tr.dataset.assignment = s.assignment_id;
    const ratio = s.performance_ratio;
    const mark = ratio === null ? "" : ratio < LOW ? " ratio-low" : ratio > HIGH ? " ratio-high" : "";
    tr.append(
      cell(containers.get(s.assignment_id) || `#${s.assignment_id}`),
      cell(`${day(s.start_date)} → ${day(s.end_date)}`, "", `from the ${KINDS[s.start_kind] || s.start_kind} to the ${KINDS[s.end_kind] || s.end_kind}`),
      cell(fixed(s.days, 0), "num"),
      cell(fixed(s.degree_days, 0), "num"),
      cell(`${weight(s.start_weight_g)} → ${weight(s.end_weight_g)}`, "num"),
      cell(fixed(s.realised_tgc, 2), "num"),
      cell(fixed(s.scenario_tgc, 2), "num"),
      cell(fixed(ratio, 2), "num ratio" + mark, ratio === null ? "" : ratio < LOW ? "well below the scenario" : ratio > HIGH ? "well above the scenario" : ""),
      cell(fixed(s.sgr_pct, 2), "num"),
      cell(fixed(s.biological_fcr, 2), "num"),
      cell(fixed(s.economic_fcr, 2), "num"),
      cell(fixed(s.deaths, 0), "num"),
      cell(fixed(s.mortality_pct, 2), "num"),
    );
    return tr;
  }

  async function load({batchId, assignmentId, data}) {
    const p = new URLSearchParams();
    if (assignmentId) p.set("assignment_id", assignmentId);
    const url = `/api/v1/batch/batches/${batchId}/growth-segments/?` + p;
    asked = url;
    const r = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (asked !== url) return;  // a later selection answered first
    const body = table.tBodies[0];
    if (!r.ok) { body.replaceChildren(); table.caption.textContent = `Could not load the segments (HTTP ${r.status}).`; return; }
    shown = await r.json();
    const containers = new Map(data.assignments.map(a => [a.id, a.container__name]));
    body.replaceChildren(...shown.map(s => row(s, containers)));
    table.tHead.hidden = !shown.length;  // no header over nothing
    table.caption.textContent = shown.length ? `${shown.length} segment${shown.length === 1 ? "" : "s"}, from one weighing to the next.` : "No segment yet: a segment ends at a weighing.";
  }

  document.addEventListener("aquamind:growth-data", ev => load(ev.detail).catch(e => { table.caption.textContent = "Could not load the segments: " + e.message; }));
  window.aquamindSegments = {rows: () => [...table.tBodies[0].rows].map(tr => [...tr.cells].map(td => td.textContent)), get data() { return shown; }};
})();
