/* "Why did this day change?" on the growth page: a day clicked on the chart (or picked in the form) of the chosen
   container is explained by GET /api/v1/batch/assignments/{id}/why/?date=: the value now, its source and
   confidence, and the changes that moved it, newest first. Everything is text (textContent), never markup. */
(function () {
  "use strict";
  const sel = id => document.getElementById(id);
  const form = sel("why-form"), answer = sel("why-answer"), dateInput = sel("why-date");
  if (!form) return;
  const {day, el} = window.aquamindFormat;
  const num = new Intl.NumberFormat("en-GB", {maximumFractionDigits: 2});

  function say(text, cls) { answer.replaceChildren(el("p", text, cls)); }

  function render(body) {
    const nodes = [];
    const v = body.value;
    if (!v) nodes.push(el("p", `No computed state on ${day(body.date)}.`));
    else {
      const sources = Object.entries(v.sources || {}).filter(([k]) => k !== "warnings").map(([k, s]) => `${k}: ${s}`).join(", ");
      const confidence = Object.entries(v.confidence || {}).map(([k, c]) => `${k} ${num.format(c)}`).join(", ");
      nodes.push(el("p", `${day(body.date)}: ${num.format(v.avg_weight_g)} g, ${num.format(v.population)} fish, ${num.format(v.biomass_kg)} kg. Source: ${sources || "–"}. Confidence: ${confidence || "–"}.`, "why-value"));
    }
    if (!body.history) nodes.push(el("p", "History is recorded on PostgreSQL only; this instance runs on SQLite.", "muted"));
    else if (!body.changes.length) nodes.push(el("p", "No recorded change moved this day since it was first computed.", "muted"));
    else {
      const list = el("ol", undefined, "why-changes");
      for (const c of body.changes) {
        const item = el("li", c.text);
        if (c.event) {
          const link = el("a", "history");
          link.href = `/history/${encodeURIComponent(c.event.kind)}/${encodeURIComponent(c.event.record_id)}/`;
          item.append(" ", link);
        }
        list.append(item);
      }
      nodes.push(list);
    }
    answer.replaceChildren(...nodes);
  }

  async function explain(iso) {
    const assignment = sel("assignment").value;
    if (!assignment) return say("Choose a container first: a day's value belongs to one container.", "bad");
    if (!iso) return say("Choose a day.", "bad");
    dateInput.value = iso;
    say("Loading…");
    const r = await fetch(`/api/v1/batch/assignments/${encodeURIComponent(assignment)}/why/?date=${encodeURIComponent(iso)}`,
                          {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!r.ok) {
      let detail = `HTTP ${r.status}`;
      try { detail = (await r.json()).errors.map(e => e.detail).join(" "); } catch (e) { /* not JSON */ }
      return say(`Could not explain this day: ${detail}`, "bad");
    }
    render(await r.json());
  }

  form.addEventListener("submit", event => { event.preventDefault(); explain(dateInput.value); });
  let hooked = null;
  document.addEventListener("aquamind:growth-data", () => {
    const chart = window.aquamindChart && window.aquamindChart.chart;
    if (!chart || chart === hooked) return;
    hooked = chart;
    chart.on("click", params => {
      const value = Array.isArray(params.value) ? params.value[0] : params.name;
      if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value)) explain(value.slice(0, 10));
    });
  });
  window.aquamindWhy = {explain};
})();
