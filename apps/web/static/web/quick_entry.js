/* The pages' forms (quick entry on the batch and container pages, planning an activity on the batch page): each
   form.quick posts JSON to its data-endpoint on the API (session login + CSRF token), so a farm worker gets
   exactly the API's checks and sentences: a refusal marks each field the API names and shows its sentence under
   it, and lists them under the form; nothing is validated here. On success the form says data-saved (by
   default: the chart updates after the recompute), reloads the chart unless data-reload="none", and dispatches
   "aquamind:saved" (detail: the saved object) for the page's other scripts. A form's container select names each
   assignment's container (data-container). */
(function () {
  "use strict";
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const NUMBERS = ["assignment", "batch", "sample_size", "count", "feed", "parameter", "container", "value"];

  function body(form) {
    const out = {};
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
    return name && (form.querySelector(`[name="${name}"]`) || (name === "container" && form.querySelector('[name="assignment"]')));
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
      return `${label.firstChild.textContent.trim()}: ${e.detail}`;
    });
  }

  async function submit(ev) {
    ev.preventDefault();
    const form = ev.target, button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const r = await fetch(form.dataset.endpoint, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify(body(form)),
      });
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

  for (const form of document.querySelectorAll("form.quick")) form.addEventListener("submit", submit);
})();
