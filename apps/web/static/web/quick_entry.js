/* Quick entry on the batch and container pages: each form posts JSON to the API (session login + CSRF token),
   so a farm worker gets exactly the API's checks and sentences; on success the chart reloads and then follows
   the recompute. A form's container select names each assignment's container (data-container). */
(function () {
  "use strict";
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

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
    for (const key of ["assignment", "sample_size", "count", "feed", "parameter", "container"]) if (key in out && out[key] !== null) out[key] = Number(out[key]);
    if ("value" in out) out.value = Number(out.value);
    return out;
  }

  function say(form, text, ok) {
    const p = form.querySelector(".result");
    p.textContent = text; p.className = "result " + (ok ? "ok" : "bad");
  }

  async function submit(ev) {
    ev.preventDefault();
    const form = ev.target, button = form.querySelector("button");
    button.disabled = true;
    try {
      const r = await fetch(form.dataset.endpoint, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify(body(form)),
      });
      const answer = await r.json().catch(() => ({}));
      for (const input of form.querySelectorAll(".invalid")) input.classList.remove("invalid");
      if (r.ok) {
        say(form, `${form.dataset.what} saved. The chart updates after the recompute.`, true);
        if (window.aquamindChart) window.aquamindChart.reload();
      } else {
        // the API's sentences, each after the label of the field it names (the field is marked too)
        const errors = (answer.errors || []).map(e => {
          const input = e.field && form.querySelector(`[name="${e.field === "container" ? "assignment" : e.field}"]`);
          if (!input) return e.detail;
          input.classList.add("invalid");
          const label = input.closest("label");
          return `${label ? label.firstChild.textContent.trim() : e.field}: ${e.detail}`;
        });
        say(form, errors.length ? "Not saved. " + errors.join(" ") : `Not saved (HTTP ${r.status}).`, false);
      }
    } catch (e) {
      say(form, "Not saved: " + e.message, false);
    } finally { button.disabled = false; }
  }

  for (const form of document.querySelectorAll("form.quick")) form.addEventListener("submit", submit);
})();
