/* The pages' forms (quick entry on the batch and container pages, planning an activity on the batch page): each
   form.quick posts JSON to its data-endpoint on the API (session login + CSRF token), so a farm worker gets
   exactly the API's checks and sentences: a refusal marks each field the API names and shows its sentence under
   it, and lists them under the form; nothing is validated here. On success the form says data-saved (by
   default: the chart updates after the recompute), reloads the chart unless data-reload="none", and dispatches
   "aquamind:saved" (detail: the saved object) for the page's other scripts. A form's container select names each
   assignment's container (data-container).
   Each submission carries an Idempotency-Key (a fresh crypto.randomUUID()): the script sends it again with each retry of
   that submission (up to RETRIES more times after no answer or a 502/503/504, after Retry-After or a short pause), and a
   resubmission of the same values after such an unknown outcome reuses it, so a write that was saved although its answer
   was lost is not recorded twice; after an answer that settles it (saved, or refused) the next submission gets a new key.
   Every message is set with textContent. */
(function () {
  "use strict";
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const NUMBERS = ["assignment", "batch", "sample_size", "fish_weighed", "count", "feed", "parameter", "container", "value"];
  const RETRIES = 2, RETRY_STATUS = new Set([502, 503, 504]), MAX_WAIT_S = 10;
  // an answer with one of these statuses (or none at all) leaves it open whether the write was saved
  const UNSETTLED = new Set([408, 409, 429, ...RETRY_STATUS, 500]);
  const unsettled = new WeakMap();  // form → {body, key} of its last submission whose outcome is not known
  const pause = seconds => new Promise(done => setTimeout(done, seconds * 1000));
  // crypto.randomUUID() exists in secure contexts only (HTTPS or localhost); over plain HTTP, the same version-4 UUID
  // from crypto.getRandomValues()
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;  // version 4, RFC 4122 variant
    const h = [...b].map(x => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // a form.rows names its row fields "rows.<n>.<field>", as the API names their errors: they become a list of
  // row objects, every row kept in its place (empty fields left out) so that rows.<n> means the same both ways
  function rowsBody(form, out) {
    const rows = [];
    for (const [name, value] of new FormData(form)) {
      const m = /^rows\.(\d+)\.(\w+)$/.exec(name);
      if (!m) { if (value !== "") out[name] = NUMBERS.includes(name) ? Number(value) : value; continue; }
      const row = rows[Number(m[1])] || (rows[Number(m[1])] = {});
      if (value !== "") row[m[2]] = NUMBERS.includes(m[2]) ? Number(value) : value;
    }
    out.rows = Array.from(rows, row => row || {});
    return out;
  }

  function body(form) {
    const out = {};
    if (form.classList.contains("rows")) return rowsBody(form, out);
    for (const [name, value] of new FormData(form)) {
      if (value === "") continue;
      out[name] = value;
    }
    if (form.id === "form-temperature") {  // a reading belongs to the container, at a time in the browser's zone
      const chosen = form.querySelector("select[name=assignment]").selectedOptions[0];
      out.container = chosen ? chosen.dataset.container : null;
      delete out.assignment;
      if (out.reading_time) out.reading_time = new Date(out.reading_time).toISOString();
    }
    for (const key of NUMBERS) if (key in out && out[key] !== null) out[key] = Number(out[key]);
    return out;
  }

  function say(form, text, ok) {
    const p = form.querySelector(".result");
    p.textContent = text; p.className = "result " + (ok ? "ok" : "bad");
  }

  function clearErrors(form) {
    for (const input of form.querySelectorAll(".invalid")) input.classList.remove("invalid");
    for (const note of form.querySelectorAll(".field-error")) note.remove();
  }

  function field(form, name) {
    // a temperature reading's container is the chosen assignment's: the API's `container` is that select
    return name && (form.querySelector(`[name="${CSS.escape(name)}"]`) || (name === "container" && form.querySelector('[name="assignment"]')));
  }

  function showErrors(form, errors) {
    // the API's sentences, each under the field it names (marked) and after its label in the form's result line
    return errors.map(e => {
      const input = field(form, e.field);
      if (!input) return e.detail;
      input.classList.add("invalid");
      const label = input.closest("label");
      if (!label) return `${e.field}: ${e.detail}`;
      const note = document.createElement("span");
      note.className = "field-error"; note.dataset.field = e.field; note.textContent = e.detail;
      label.appendChild(note);
      return `${(label.dataset.name || label.firstChild.textContent).trim()}: ${e.detail}`;
    });
  }

  function send(form, payload, key) {
    return fetch(form.dataset.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": key, "X-AquaMind-Channel": "page"},
      body: payload,
    });
  }

  /* One submission: sent, and sent again with the same key while there is no answer or the server is unavailable. */
  async function sendWithRetries(form, payload, key) {
    for (let attempt = 0; ; attempt++) {
      let r = null, failure = null;
      try { r = await send(form, payload, key); } catch (e) { failure = e; }
      if (attempt >= RETRIES || (r && !RETRY_STATUS.has(r.status))) {
        if (failure) throw failure;
        return r;
      }
      const after = r && Number(r.headers.get("Retry-After"));
      say(form, "Not answered yet; trying again…", false);
      await pause(after > 0 ? Math.min(after, MAX_WAIT_S) : attempt + 1);
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    const form = ev.target, button = form.querySelector("button[type=submit]");
    const payload = JSON.stringify(body(form)), last = unsettled.get(form);
    const key = last && last.body === payload ? last.key : newKey();
    unsettled.set(form, {body: payload, key});
    button.disabled = true;
    try {
      const r = await sendWithRetries(form, payload, key);
      if (!UNSETTLED.has(r.status)) unsettled.delete(form);
      const answer = await r.json().catch(() => ({}));
      clearErrors(form);
      if (r.ok) {
        say(form, `${form.dataset.what} saved. ${form.dataset.saved || "The chart updates after the recompute."}`, true);
        if (form.dataset.reload !== "none" && window.aquamindChart) window.aquamindChart.reload();
        form.dispatchEvent(new CustomEvent("aquamind:saved", {bubbles: true, detail: answer}));
      } else {
        const errors = showErrors(form, answer.errors || []);
        say(form, errors.length ? "Not saved. " + errors.join(" ") : `Not saved (HTTP ${r.status}).`, false);
      }
    } catch (e) {
      say(form, "Not saved: " + e.message, false);
    } finally { button.disabled = false; }
  }

  /* A field the farmer changes after a refusal loses its mark and its sentence at once (they are about the old value);
     once no field is marked, the form's "Not saved" line goes too. */
  function clearFieldError(ev) {
    const form = ev.currentTarget, input = ev.target;
    if (!input.classList || !input.classList.contains("invalid")) return;
    input.classList.remove("invalid");
    const label = input.closest("label");
    if (label) for (const note of label.querySelectorAll(".field-error")) note.remove();
    if (!form.querySelector(".invalid")) say(form, "", true);
  }

  /* Under each date (and time) field, the day in the pages' one format ("Sun 6 Dec 2026"): the browser draws the field
     itself in its own language's format (12/06/2026 in an American browser), which this makes unambiguous. */
  function dayInWords(input) {
    const note = document.createElement("span");
    note.className = "day-words"; note.setAttribute("aria-live", "polite");
    const show = () => {
      const v = input.value;
      note.textContent = !v ? "" : input.type === "date" ? window.aquamindFormat.weekday(v) : window.aquamindFormat.localTime(v);
    };
    input.after(note);
    input.addEventListener("input", show); input.addEventListener("change", show);
    show();
    return show;
  }

  /* A time field starts at the current minute in the browser's zone, which is how body() reads it. */
  function nowLocal() {
    const d = new Date(), pad = n => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  window.aquamindForms = {unsettled: form => unsettled.get(form)};  // for the browser tests
  for (const form of document.querySelectorAll("form.quick")) {
    form.addEventListener("submit", submit);
    form.addEventListener("input", clearFieldError); form.addEventListener("change", clearFieldError);
    for (const input of form.querySelectorAll("input[type=datetime-local]")) if (!input.value) input.value = nowLocal();
    for (const input of form.querySelectorAll("input[type=date], input[type=datetime-local]")) {
      const show = dayInWords(input);
      form.addEventListener("aquamind:filled", show);  // a script set the value (plan.js's "Plan it")
    }
  }
})();
