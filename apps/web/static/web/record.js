/* The record pages (docs/web.md, "Recording at the pen"), beside quick_entry.js which saves their forms:
   - the day's casts of the chosen container under the cast form, with the day's sample they make (read from the
     API after each save, and when the container or the date changes), each cast deletable;
   - after a save, the entered numbers are cleared (so that a second tap does not record the same again) and the
     first of them focused for the next cast or pen;
   - in the site's form, Enter moves to the next field as Tab does (the last one saves);
   - a temperature's time starts at now.
   Every value is set with textContent; deletes carry an Idempotency-Key and the CSRF token. */
(function () {
  "use strict";
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const g = value => Number(value).toLocaleString("en-GB", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const fish = value => Number(value).toLocaleString("en-GB");
  const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // --- the day's casts ----------------------------------------------------------------------------------------
  const castForm = document.getElementById("form-cast");
  const panel = document.getElementById("day-casts");
  let shown = [];  // [{id, text}] for the browser tests

  function castText(cast) {
    const spread = cast.std_dev_weight_g === null ? "" : ` · SD ${g(cast.std_dev_weight_g)} g`;
    return `${fish(cast.fish_weighed)} fish · ${g(cast.avg_weight_g)} g${spread}`;
  }

  function dayText(day) {
    const spread = day.std_dev_weight_g === null ? "SD unknown" : `SD ${g(day.std_dev_weight_g)} g`;
    const casts = `${day.casts} cast${day.casts === 1 ? "" : "s"}`;
    return `The day's sample: ${fish(day.sample_size)} fish · ${g(day.avg_weight_g)} g · ${spread} (${casts})`;
  }

  async function castsLoad() {
    if (!castForm || !panel) return;
    const assignment = castForm.elements.assignment.value, day = castForm.elements.sample_date.value;
    const list = panel.querySelector(".cast-list"), total = panel.querySelector(".day-total");
    if (!assignment || !day) { list.replaceChildren(); total.textContent = "Choose a container and a date."; return; }
    const query = new URLSearchParams({assignment, date_from: day, date_to: day, page_size: "1000"});
    const r = await fetch(`${panel.dataset.endpoint}?${query}`, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!r.ok) { total.textContent = `The casts could not be read (HTTP ${r.status}).`; return; }
    const casts = (await r.json()).results;
    shown = casts.map(c => ({id: c.id, text: castText(c)}));
    list.replaceChildren(...casts.map((cast, i) => {
      const item = el("li", `Cast ${i + 1}: ${castText(cast)}`);
      const remove = el("button", "Delete", "cast-delete");
      remove.type = "button"; remove.dataset.cast = String(cast.id);
      remove.setAttribute("aria-label", `Delete cast ${i + 1}`);
      remove.addEventListener("click", () => castDelete(cast.id, remove));
      item.append(" ", remove);
      return item;
    }));
    total.textContent = casts.length ? dayText(casts[0].day) : "No cast yet on this day.";
  }

  async function castDelete(id, button) {
    button.disabled = true;
    const r = await fetch(`${panel.dataset.endpoint}${id}/`, {
      method: "DELETE", credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": newKey()},
    }).catch(() => null);
    const total = panel.querySelector(".day-total");
    if (!r || !(r.ok || r.status === 404)) { total.textContent = `The cast was not deleted (${r ? "HTTP " + r.status : "no answer"}).`; button.disabled = false; return; }
    await castsLoad();
  }

  if (castForm) {
    castForm.addEventListener("aquamind:saved", castsLoad);
    castForm.elements.assignment.addEventListener("change", castsLoad);
    castForm.elements.sample_date.addEventListener("change", castsLoad);
    castsLoad();
  }

  // --- after a save: the numbers cleared, the first of them focused ---------------------------------------------
  for (const form of document.querySelectorAll("form.record-form")) {
    form.addEventListener("aquamind:saved", () => {
      const cleared = [...form.querySelectorAll("[data-clear]")];
      for (const input of cleared) input.value = "";
      if (cleared.length) cleared[0].focus();
    });
  }

  // --- the site's form: Enter moves on -------------------------------------------------------------------------
  for (const form of document.querySelectorAll("form.rows")) {
    form.addEventListener("keydown", ev => {
      if (ev.key !== "Enter" || ev.target.tagName === "BUTTON" || ev.isComposing) return;
      ev.preventDefault();
      const fields = [...form.querySelectorAll("input:not([type=hidden]), select, button[type=submit]")]
        .filter(f => !f.disabled);
      const next = fields[fields.indexOf(ev.target) + 1];
      if (!next || next.type === "submit") form.requestSubmit();
      else next.focus();
    });
  }

  // --- a temperature's time: now, in the browser's zone ----------------------------------------------------------
  for (const input of document.querySelectorAll("input[data-now]")) {
    if (input.value) continue;
    const now = new Date();
    now.setSeconds(0, 0);
    input.value = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  window.aquamindRecord = {
    casts: () => shown.map(c => c.text),
    total: () => (panel ? panel.querySelector(".day-total").textContent : null),
    reload: castsLoad,
  };
})();
