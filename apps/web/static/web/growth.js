/* The batch growth page: one ECharts instance with the growth chart on top and four panels below
   (temperature, mortality, feed, FCR) sharing its date axis, zoom and pan. Data comes from
   combined-growth-data?shape=columnar; the page polls every 3 s with If-None-Match and redraws only on a 200,
   after which it dispatches "aquamind:growth-data" on the document (detail: batchId, assignmentId, data).
   window.aquamindChart exposes what is drawn, for the browser tests.
   Names in the data (containers, batches, treatments) are text, never markup: the tooltips are DOM nodes built with
   textContent (ECharts inserts a string formatter's result as HTML), the rest is set with textContent too. */
(function () {
  "use strict";
  const root = document.getElementById("growth");
  const sel = id => document.getElementById(id);
  const timeZone = root.dataset.timeZone || "UTC";
  // a container page lists its own assignments (of any batch) in the select, each naming its batch
  const batchId = () => (sel("assignment").selectedOptions[0] || {dataset: {}}).dataset.batch || root.dataset.batch;
  const METRICS = {
    avg_weight_g: {title: "Average weight (g)", unit: "g"},
    population: {title: "Population (fish)", unit: "fish"},
    biomass_kg: {title: "Biomass (kg)", unit: "kg"},
  };
  const SOURCE_WORDS = {
    measured: "measured", interpolated: "interpolated", tgc_computed: "modelled (TGC)",
    nearest_before: "nearest reading before", nearest_after: "nearest reading after", profile: "temperature profile",
  };
  const ANCHOR_WORDS = {growth_sample: "growth sample", transfer: "transfer weighing", treatment: "treatment weighing", placement: "placement"};
  const compact = new Intl.NumberFormat("en-GB", {notation: "compact", maximumFractionDigits: 1});
  const {day, el, number, instant} = window.aquamindFormat;
  // the default window: the actual days and this much of the forecast after them (half the actual days, within
  // these bounds), so that a young batch's curve is not flattened by the forecast to harvest weight; the rest of
  // the forecast is one click ("Whole forecast") or a zoom away
  const HORIZON_MIN_DAYS = 14, HORIZON_MAX_DAYS = 90, DAY_MS = 86400000;

  let chart = null, data = null, etag = null, loading = false, lastUrl = null;

  function confidenceWords(c) {
    if (c === null || c === undefined) return "";
    return c >= 0.8 ? "high confidence" : c >= 0.5 ? "medium confidence" : "low confidence";
  }
  function sourceInWords(source, confidence) {
    const word = SOURCE_WORDS[source] || source || "unknown";
    return source === "measured" ? word : `${word}, ${confidenceWords(confidence)}`;
  }
  const when = iso => instant(iso, timeZone);
  /* a value with its unit, with the digits the pages use for it: weights as the segment table (two decimals under 10 g,
     one under 100 g), fish and deaths whole, kg whole from 100 on, °C one decimal, FCR two */
  function valueText(v, unit) {
    if (v === null || v === undefined) return "–";
    const x = Number(v), digits = {g: x < 10 ? 2 : x < 100 ? 1 : 0, fish: 0, deaths: 0, "kg feed": x < 100 ? 1 : 0, kg: x < 100 ? 1 : 0, "°C": 1, "": 2}[unit];
    return `${number(x, digits ?? 1)}${unit ? " " + unit : ""}`;
  }

  function showStatus(text, cls) { const s = sel("status"); s.textContent = text; s.className = "status" + (cls ? " " + cls : ""); }
  function statusFrom(s) {
    if (s.last_error_code) return showStatus(`Recompute error (${when(s.last_error_at)}): ${s.last_error}`, "bad");
    if (s.pending_markers) return showStatus(`Recompute pending for ${s.pending_markers} container(s) · last computed ${when(s.last_success_at)}`, "pending");
    showStatus(`Up to date · last computed ${when(s.last_success_at)}`);
  }

  function url() {
    const p = new URLSearchParams({shape: "columnar", granularity: sel("granularity").value});
    if (sel("assignment").value) p.set("assignment_id", sel("assignment").value);
    return `/api/v1/batch/batches/${batchId()}/combined-growth-data/?` + p;
  }

  async function load(force) {
    if (loading) return;
    loading = true;
    try {
      const u = url(), headers = {Accept: "application/json"};
      if (etag && u === lastUrl && !force) headers["If-None-Match"] = etag;
      const r = await fetch(u, {credentials: "same-origin", cache: "no-store", headers});
      if (r.status === 304) return;
      if (!r.ok) return showStatus(`Could not load the growth data (HTTP ${r.status}).`, "bad");
      data = await r.json(); etag = r.headers.get("ETag"); lastUrl = u;
      fillAssignments();
      statusFrom(data.recompute_status);
      draw();
      // new data (never a 304): the segment table and the plan read their own endpoints again
      document.dispatchEvent(new CustomEvent("aquamind:growth-data", {detail: {batchId: batchId(), assignmentId: sel("assignment").value, data}}));
    } catch (e) {
      showStatus("Could not load the growth data: " + e.message, "bad");
    } finally { loading = false; }
  }

  function fillAssignments() {
    const box = sel("assignment");
    if (box.dataset.filled) return;  // once, or never where the page rendered its own choices
    box.dataset.filled = "chart";
    const option = (a, text) => { const o = document.createElement("option"); o.value = a.id; o.textContent = text; o.dataset.container = a.container_id; return o; };
    for (const a of data.assignments) box.appendChild(option(a, `${a.label} (${a.lifecycle_stage__name})`));
    const active = data.assignments.filter(a => !a.departure_date), ended = data.assignments.filter(a => a.departure_date);
    for (const pick of document.querySelectorAll("form.quick select[name=assignment]")) {
      if (!pick.options.length) for (const a of [...active, ...ended]) pick.appendChild(option(a, a.label));
    }
  }

  const zip = (xs, ys) => xs.map((x, i) => [x, ys[i]]).filter(p => p[1] !== null && p[1] !== undefined);

  function statesByDate() {
    const s = data.actual_daily_states, byDate = new Map();
    if (!s) return byDate;
    const names = new Map(data.assignments.map(a => [a.id, a.container__name]));
    for (let i = 0; i < s.date.length; i++) {
      const list = byDate.get(s.date[i]) || []; byDate.set(s.date[i], list);
      list.push({container: names.get(s.assignment_id[i]) || "#" + s.assignment_id[i], weight: s.avg_weight_g[i], population: s.population[i],
                 ws: s.weight_source[i], wc: s.weight_confidence[i], temp: s.temp_c[i], ts: s.temp_source[i], tc: s.temp_confidence[i]});
    }
    return byDate;
  }

  function markLines(events) {
    const lines = [];
    for (const t of events.transfers) lines.push({xAxis: t.date, name: `Transfer ${valueText(t.count, "fish")} ${t.from} → ${t.to}`, lineStyle: {color: "#7a52a3"}, label: {formatter: "T", color: "#7a52a3"}});
    for (const t of events.treatments) lines.push({xAxis: t.date, name: `Treatment: ${t.type} (${t.container})`, lineStyle: {color: "#2f8f4e"}, label: {formatter: "Rx", color: "#2f8f4e"}});
    for (const h of events.harvests) lines.push({xAxis: h.date, name: `Harvest / end in ${h.container}`, lineStyle: {color: "#b03a2e"}, label: {formatter: "H", color: "#b03a2e"}});
    return lines;
  }

  function option() {
    const metric = sel("metric").value, m = METRICS[metric], log = sel("log").checked && metric === "avg_weight_g";
    const t = data.batch_totals, weekly = data.granularity === "weekly";
    const proj = data.scenario ? data.scenario.projection : null, samples = data.growth_samples;
    const actual = zip(t.date, t[metric]);
    const anchors = t.date.map((d, i) => t.anchor_type[i] ? {value: [d, t[metric][i]], anchor: t.anchor_type[i]} : null).filter(Boolean);
    const byDate = statesByDate(), range = data.date_range, marks = markLines(data.events);
    // the projection runs the whole scenario; the chart shows the days with states (the drill-down's own days)
    const inRange = p => (!range.start || p[0] >= range.start) && (!range.end || p[0] <= range.end);
    const panelH = 90, top = 60, mainH = 310, gap = 46;
    const grids = [{left: 80, right: 40, top, height: mainH}];
    for (let i = 0; i < 4; i++) grids.push({left: 80, right: 40, top: top + mainH + gap + i * (panelH + 36), height: panelH});
    const fc = data.forecast, fcEnd = fc && fc.date.length ? fc.date[fc.date.length - 1] : null;
    const xMax = fcEnd && (!range.end || fcEnd > range.end) ? fcEnd : range.end;  // the forecast runs past today
    const xAxes = grids.map((g, i) => ({
      type: "time", gridIndex: i, min: data.date_range.start, max: xMax,
      axisLabel: {hideOverlap: true, show: i === 0 || i === 4, formatter: {year: "{yyyy}", month: "{MMM} {yyyy}", day: "{d} {MMM}"}},
      name: i === 4 ? "Date" : "", nameLocation: "middle", nameGap: 28,
    }));
    const initial = defaultWindow(data.date_range.start, xMax);
    const yAxis = (i, name, extra) => ({gridIndex: i, name, nameLocation: "middle", nameGap: 58, nameTextStyle: {fontWeight: "bold"},
      axisLabel: {formatter: v => compact.format(v)}, splitNumber: 3, ...extra});
    const yAxes = [
      yAxis(0, m.title, {type: log ? "log" : "value", scale: !log && metric !== "avg_weight_g" ? false : undefined, splitNumber: 5, min: log ? 0.1 : 0}),
      yAxis(1, "Temp. (°C)", {type: "value", scale: true}),
      yAxis(2, "Deaths (fish/" + (weekly ? "week" : "day") + ")", {type: "value"}),
      yAxis(3, "Feed (kg/" + (weekly ? "week" : "day") + ")", {type: "value"}),
      yAxis(4, "FCR", {type: "value", max: v => Math.min(5, Math.ceil(v.max))}),
    ];
    const series = [
      {name: "Actual", id: "actual", type: "line", showSymbol: false, data: actual, lineStyle: {width: 2, color: "#0b6e99"}, itemStyle: {color: "#0b6e99"}},
      {name: "Anchor days", id: "anchors", type: "scatter", symbol: "diamond", symbolSize: 8, data: anchors, itemStyle: {color: "#0b6e99"}},
      {name: "Scenario", id: "scenario", type: "line", showSymbol: false, data: proj ? zip(proj.date, proj[metric]).filter(inRange) : [], lineStyle: {type: "dashed", color: "#c77d0a"}, itemStyle: {color: "#c77d0a"}},
      ...forecastSeries(fc, metric),
      {name: "Samples", id: "samples", type: "scatter", symbolSize: 6, data: metric === "avg_weight_g" ? zip(samples.sample_date, samples.avg_weight_g) : [], itemStyle: {color: "#333"}},
      {name: "Events", id: "events", type: "line", data: [], markLine: {symbol: "none", silent: false, data: marks, label: {position: "insideEndTop"},
        tooltip: {formatter: p => el("div", `${day(p.data.xAxis)}: ${p.name}`)}}},
      {name: "Temperature", id: "temp", type: "line", showSymbol: false, xAxisIndex: 1, yAxisIndex: 1, data: zip(t.date, t.temp_c), itemStyle: {color: "#d0533f"}},
      {name: "Mortality", id: "mortality", type: "bar", xAxisIndex: 2, yAxisIndex: 2, data: zip(t.date, t.mortality_count), itemStyle: {color: "#7d3c98"}},
      {name: "Feed", id: "feed", type: "bar", xAxisIndex: 3, yAxisIndex: 3, data: zip(t.date, t.feed_kg), itemStyle: {color: "#45a36b"}},
      {name: "FCR", id: "fcr", type: "line", showSymbol: false, connectNulls: false, xAxisIndex: 4, yAxisIndex: 4, data: zip(t.date, t.fcr), itemStyle: {color: "#555"}},
    ];
    return {
      animation: false,
      grid: grids, xAxis: xAxes, yAxis: yAxes, series,
      legend: {type: "scroll", top: 4, left: 10, right: 10, data: ["Actual", "Anchor days", "Scenario", "Forecast (P50)", "Forecast P10–P90", "Samples", "Events", "Temperature", "Mortality", "Feed", "FCR"]},
      axisPointer: {link: [{xAxisIndex: "all"}]},
      // "filter": the value axes rescale to the days in the window
      dataZoom: [{type: "inside", xAxisIndex: [0, 1, 2, 3, 4], filterMode: "filter", ...initial},
                 {type: "slider", xAxisIndex: [0, 1, 2, 3, 4], bottom: 6, height: 22, filterMode: "filter", ...initial, labelFormatter: v => day(new Date(v).toISOString().slice(0, 10))}],
      tooltip: {trigger: "axis", confine: true, formatter: ps => tooltip(ps, metric, m, byDate, weekly, marks)},
      toolbox: {right: 20, top: 26, feature: {dataZoom: {yAxisIndex: "none", title: {zoom: "Zoom to an area", back: "Undo zoom"}}, restore: {title: "Reset"}, saveAsImage: {title: "Save as image"}}},
    };
  }

  function forecastSeries(fc, metric) {
    // the live projection from the latest actual state: P50, and its P10–P90 band as a shaded area: an invisible P10
    // line with the band's width (P90 − P10) stacked on it, so the area lies between P10 and P90 (also on the log
    // scale, where an area down to the axis would not); each band point keeps its P10 and P90 for the tooltip
    if (!fc || !fc[metric]) return [];
    const color = "#2a8c82", q = fc[metric], band = [];
    fc.date.forEach((d, i) => {
      if (q.p10[i] === null || q.p10[i] === undefined || q.p90[i] === null || q.p90[i] === undefined) return;
      const low = Number(q.p10[i]), high = Number(q.p90[i]);
      band.push({low: {value: [d, low]}, width: {value: [d, high - low], p10: low, p90: high}});
    });
    const hidden = {opacity: 0};
    return [
      {name: "Forecast (P50)", id: "forecast", type: "line", showSymbol: false, data: zip(fc.date, q.p50), z: 3,
       lineStyle: {color, width: 2}, itemStyle: {color}, markArea: harvestWindow(fc)},
      {name: "Forecast P10–P90", id: "forecast_p10", type: "line", stack: "forecast-band", showSymbol: false, silent: true,
       data: band.map(b => b.low), lineStyle: hidden, itemStyle: {color}},
      {name: "Forecast P10–P90", id: "forecast_band", type: "line", stack: "forecast-band", showSymbol: false,
       data: band.map(b => b.width), lineStyle: hidden, areaStyle: {color, opacity: 0.22}, itemStyle: {color}},
    ];
  }

  /* The harvest window, shaded: from the P10 to the P90 date of reaching the harvest weight (to the forecast's end
     when P90 does not reach it within the horizon). */
  function harvestWindow(fc) {
    if (!fc.harvest_date_p10) return undefined;
    const end = fc.harvest_date_p90 || fc.date[fc.date.length - 1];
    const name = `Harvest window (P10–P90): ${day(fc.harvest_date_p10)} – ${fc.harvest_date_p90 ? day(fc.harvest_date_p90) : "later"}; median ${day(fc.harvest_date)}`;
    return {silent: false, itemStyle: {color: "rgba(176, 58, 46, 0.10)"},
      label: {show: true, position: "insideTop", formatter: "Harvest window", color: "#b03a2e"},
      tooltip: {formatter: () => el("div", name)},
      data: [[{name, xAxis: fc.harvest_date_p10}, {xAxis: end}]]};
  }

  /* The window shown first (absolute dates for dataZoom's startValue/endValue): everything when there is no forecast
     past the actual days, else the actual days plus a horizon (see HORIZON_*). */
  function defaultWindow(xMin, xMax) {
    const actualEnd = data.date_range.end, start = Date.parse(xMin), end = Date.parse(xMax);
    if (!actualEnd || !xMin || !xMax || Date.parse(actualEnd) >= end) return {startValue: start, endValue: end};
    const actualDays = (Date.parse(actualEnd) - start) / DAY_MS + 1;
    const horizon = Math.min(HORIZON_MAX_DAYS, Math.max(HORIZON_MIN_DAYS, Math.round(actualDays / 2)));
    return {startValue: start, endValue: Math.min(end, Date.parse(actualEnd) + horizon * DAY_MS)};
  }

  /* The axis tooltip as a DOM node (every value as text): the day or the ISO week, each series' value with its unit, the
     anchor kind, the markers' events of that day (or week: the mouse on a marker shows this tooltip), and how the weight
     is known (the whole batch) or each container's sources (a drill-down). */
  function tooltip(params, metric, m, byDate, weekly, marks) {
    if (!params.length) return "";
    const date = new Date(params[0].axisValue).toISOString().slice(0, 10), i = data.batch_totals.date.indexOf(date), t = data.batch_totals;
    const box = el("div"), line = (...parts) => { const d = el("div"); d.append(...parts); box.append(d); };
    line(el("b", weekly && i >= 0 ? `Week ${t.iso_week[i]} (${day(t.first_date[i])} – ${day(date)})` : day(date)));
    for (const p of params) {
      if (p.seriesId === "anchors" || p.seriesId === "forecast_p10" || p.value === undefined) continue;
      const unit = {temp: "°C", mortality: "deaths", feed: "kg feed", fcr: ""}[p.seriesId] ?? m.unit;
      const marker = el("span", undefined, "tip-marker");
      marker.style.backgroundColor = p.color;  // through the CSSOM, which the Content-Security-Policy allows
      // the band's point holds its width; its P10 and P90 are kept on the point
      const text = p.seriesId === "forecast_band" && p.data ? `${valueText(p.data.p10, unit)} – ${valueText(p.data.p90, unit)}` : valueText(p.value[1], unit);
      line(marker, `${p.seriesName}: ${text}`);
    }
    if (i >= 0 && t.anchor_type[i]) line(`Anchor: ${ANCHOR_WORDS[t.anchor_type[i]] || t.anchor_type[i]}`);
    const from = weekly && i >= 0 ? t.first_date[i] : date;
    for (const mark of marks) if (mark.xAxis >= from && mark.xAxis <= date) line(mark.name);
    const rows = byDate.get(date) || [];
    if (!rows.length && i >= 0 && t.containers) {  // the whole batch: how its weight is known that day
      const n = t.containers[i], m = t.measured[i];
      const worst = `(${confidenceWords(t.weight_confidence_min[i])} at worst)`;
      const known = m === n ? `measured in all ${n} containers` : m ? `measured in ${m} of ${n} containers, estimated elsewhere ${worst}` : `estimated in all ${n} containers ${worst}`;
      line(`Weight: ${known}`);
      line("Choose a container for its own sources.");
    }
    for (const r of rows.slice(0, 8)) line(`${r.container}: ${valueText(r.weight, "g")} (${sourceInWords(r.ws, r.wc)}); ${valueText(r.temp, "°C")} (${sourceInWords(r.ts, r.tc)})`);
    if (rows.length > 8) line(`… and ${rows.length - 8} more containers`);
    return box;
  }

  function forecastNote(fc) {
    if (!fc) return "No forecast: nothing of this selection holds fish today.";
    const target = valueText(fc.target_weight_g, "g");
    const harvest = fc.harvest_date
      ? `reaches ${target} around ${day(fc.harvest_date)} (P10–P90: ${fc.harvest_date_p10 ? day(fc.harvest_date_p10) : "?"} to ${fc.harvest_date_p90 ? day(fc.harvest_date_p90) : "later"})`
      : `does not reach ${target} by ${day(fc.date[fc.date.length - 1])}`;
    return `Forecast from the state of ${day(fc.as_of_date)}: the median ${harvest}.`;
  }

  function draw() {
    if (!chart) chart = echarts.init(sel("chart"));
    chart.setOption(option(), {notMerge: true});
    sel("forecast-note").textContent = forecastNote(data.forecast);
  }

  function summary() {
    const o = chart && chart.getOption();
    if (!o) return null;
    const count = id => { const s = o.series.find(s => s.id === id); return s ? s.data.length : 0; };
    const zoom = o.dataZoom[0], series = id => o.series.find(s => s.id === id) || {};
    const band = series("forecast_band"), area = series("forecast").markArea;
    return {actual: count("actual"), scenario: count("scenario"), forecast: count("forecast"), samples: count("samples"), anchors: count("anchors"),
            temp: count("temp"), mortality: count("mortality"), feed: count("feed"), fcr: count("fcr"),
            markers: o.series.find(s => s.id === "events").markLine.data.length, yScale: o.yAxis[0].type,
            yTitle: o.yAxis[0].name, zoomStart: zoom.start, zoomEnd: zoom.end, xMin: o.xAxis[0].min, xMax: o.xAxis[0].max,
            zoomStartValue: zoom.startValue, zoomEndValue: zoom.endValue,
            band: {type: band.type || null, stack: band.stack || null, area: Boolean(band.areaStyle), under: series("forecast_p10").stack || null,
                   points: (band.data || []).length, p10: (band.data || []).map(p => p.p10), p90: (band.data || []).map(p => p.p90)},
            harvestWindow: area && area.data && area.data.length ? [area.data[0][0].xAxis, area.data[0][1].xAxis] : null,
            weights: o.series.find(s => s.id === "actual").data.map(p => p[1]), status: sel("status").textContent};
  }

  window.aquamindChart = {summary, reload: () => load(true), get chart() { return chart; }, get data() { return data; }};
  if (!window.echarts) {
    showStatus("The chart library is missing (static file web/vendor/echarts.min.js): run scripts/assets.sh, then reload.", "bad");
    return;
  }
  sel("metric").onchange = () => { sel("log").disabled = sel("metric").value !== "avg_weight_g"; draw(); };
  sel("log").onchange = draw;
  sel("assignment").onchange = () => load(true);
  sel("granularity").onchange = () => load(true);
  // back to the window shown first; "Whole forecast": every day, to the forecast's end
  sel("reset-zoom").onclick = () => {
    const o = chart && chart.getOption();
    if (o) chart.dispatchAction({type: "dataZoom", ...defaultWindow(data.date_range.start, o.xAxis[0].max)});
  };
  sel("show-all").onclick = () => chart && chart.dispatchAction({type: "dataZoom", start: 0, end: 100});
  window.addEventListener("resize", () => chart && chart.resize());
  load(true);
  setInterval(() => { if (!document.hidden) load(false); }, 3000);
})();
