/* The batch page's plan: the forecast summary per container (harvest and sea-transfer dates with their P10–P90
   range and weight, each flag as a badge) and the batch's planned activities (open first, overdue marked, the
   variance of completed ones), read from the API on load, after an activity is planned through the form (its
   code is quick_entry.js's) and when the chart's data changes. "Plan it" on a crossing that needs planning
   fills the form with that crossing. */
(function () {
  "use strict";
  const root = document.getElementById("plan");
  if (!root) return;
  const batchId = document.getElementById("growth").dataset.batch;
  const form = document.getElementById("form-activity");
  const summaryTable = document.getElementById("plan-summary"), activityTable = document.getElementById("plan-activities");
  const KINDS = {harvest: {type: "HARVEST", words: "Harvest"}, sea_transfer: {type: "TRANSFER", words: "Sea transfer"}};
  const OPEN = new Set(["PLANNED", "IN_PROGRESS"]);
  const {day, el} = window.aquamindFormat;
  const grams = g => window.aquamindFormat.number(g, g < 100 ? 1 : 0);
  let summary = null, activities = [];

  const badge = flag => el("span", flag.replace("_", " "), "badge " + flag);
  function td(...children) { const c = el("td"); c.append(...children); return c; }

  // a crossing's own badge only where it says more than the row's Flag column: which crossing needs planning or is
  // planned (PROJECTED, "later", is what every other crossing is: once per row is enough)
  const crossingBadge = c => c.flag === "PROJECTED" ? "" : badge(c.flag);

  function crossingCells(c) {
    if (!c) return [td("– (at sea)"), td()];
    if (!c.date) return [td(`not within the horizon `, crossingBadge(c)), td()];
    const range = ` (${day(c.date_p10)} – ${c.date_p90 ? day(c.date_p90) : "later"}) `;
    const w = c.weight_g ? `${grams(c.weight_g.p50)} (${grams(c.weight_g.p10)}–${grams(c.weight_g.p90)})` : "–";
    const weight = td(w); weight.className = "num";
    return [td(el("b", day(c.date)), range, crossingBadge(c)), weight];
  }

  function planButton(a, kind) {
    const b = el("button", `Plan the ${KINDS[kind].words.toLowerCase()}`, "plan-it btn btn-sm btn-outline-primary");
    b.type = "button"; b.dataset.kind = kind; b.dataset.assignment = a.assignment_id;
    b.addEventListener("click", () => prefill(a, kind));
    return b;
  }

  function summaryRow(a) {
    const tr = el("tr"); tr.dataset.assignment = a.assignment_id; tr.dataset.flag = a.flag;
    const actions = td();
    for (const kind of Object.keys(KINDS)) if (a[kind] && a[kind].flag === "NEEDS_PLANNING") actions.append(planButton(a, kind), " ");
    tr.append(td(`${a.container_name} · ${a.site_name}`), td(badge(a.flag)), ...crossingCells(a.harvest), ...crossingCells(a.sea_transfer), actions);
    return tr;
  }

  function historyCell(id) {
    const link = el("a", "history");
    link.href = `/history/planning.plannedactivity/${encodeURIComponent(id)}/`;
    const cell = td(""); cell.append(link);
    return cell;
  }

  function activityRow(x) {
    const tr = el("tr"); tr.dataset.activity = x.id;
    const status = td(x.status.replace("_", " ").toLowerCase());
    if (x.is_overdue) { tr.className = "overdue"; status.append(" ", el("span", "overdue", "badge overdue")); }
    const variance = td(x.variance_days === null ? "–" : (x.variance_days > 0 ? "+" : "") + x.variance_days); variance.className = "num";
    variance.title = x.variance_days === null ? "" : x.variance_days > 0 ? "done late" : x.variance_days < 0 ? "done early" : "done on the day";
    tr.append(td(x.activity_type.toLowerCase()), td(x.assignment_label || x.container_label || "–"), td(day(x.due_date)), status,
              td(day(x.completed_date)), variance, td(x.notes || ""), historyCell(x.id));
    return tr;
  }

  function prefill(a, kind) {
    const c = a[kind], today = summary.today;
    form.elements.activity_type.value = KINDS[kind].type;
    form.elements.assignment.value = a.assignment_id;
    form.elements.container.value = "";
    form.elements.due_date.value = c.date && c.date > today ? c.date : today;
    form.elements.notes.value = `${KINDS[kind].words} projected for ${day(c.date)} (P10–P90 ${day(c.date_p10)} – ${day(c.date_p90)}).`;
    form.dispatchEvent(new CustomEvent("aquamind:filled"));  // the due date's day in words follows
    form.scrollIntoView({block: "center"});
    form.elements.due_date.focus();
  }

  async function getJson(url) {
    const r = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  }

  async function load() {
    try {
      const [s, page] = await Promise.all([
        getJson(`/api/v1/batch/batches/${batchId}/forecast-summary/`),
        getJson(`/api/v1/planning/activities/?batch=${batchId}&page_size=1000`),
      ]);
      summary = s;
      summaryTable.tBodies[0].replaceChildren(...s.assignments.map(summaryRow));
      summaryTable.tHead.hidden = !s.assignments.length;  // no header over nothing
      summaryTable.caption.textContent = s.assignments.length ? `As of ${day(s.assignments[0].as_of_date)}.` : "Nothing to project: no container of this batch holds fish.";
      // open first (by due date), then the completed and cancelled ones, the latest first
      const open = page.results.filter(x => OPEN.has(x.status)), closed = page.results.filter(x => !OPEN.has(x.status)).reverse();
      activities = [...open, ...closed];
      activityTable.tBodies[0].replaceChildren(...activities.map(activityRow));
      const overdue = open.filter(x => x.is_overdue).length;
      activityTable.tHead.hidden = !activities.length;
      activityTable.caption.textContent = activities.length ? `${open.length} open${overdue ? `, ${overdue} overdue` : ""}; ${closed.length} done or cancelled.` : "Nothing planned yet.";
    } catch (e) {
      summaryTable.caption.textContent = "Could not load the plan: " + e.message;
    }
  }

  form.addEventListener("aquamind:saved", load);
  load();
  let seen = 0;  // the first growth data comes with the page, which has just read the plan
  document.addEventListener("aquamind:growth-data", () => { if (seen++) load(); });
  window.aquamindPlan = {
    get summary() { return summary; }, get activities() { return activities; }, reload: load,
    flags: () => [...summaryTable.tBodies[0].rows].map(tr => ({assignment: Number(tr.dataset.assignment), flag: tr.dataset.flag, badges: [...tr.querySelectorAll(".badge")].map(b => b.textContent)})),
  };
})();
