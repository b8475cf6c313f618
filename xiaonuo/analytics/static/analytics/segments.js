// The segment rule builder: renders the definition JSON (the form's textarea, which stays the
// source of truth and works without JavaScript) as rows of conditions and writes every change
// back, which fires the live count (htmx, on the form's "input"). Labels come translated from
// the page (json_script "xn-segment-labels").
(function () {
  "use strict";
  const area = document.getElementById("id_definition");
  const root = document.getElementById("xn-builder");
  const labelsNode = document.getElementById("xn-segment-labels");
  if (!area || !root || !labelsNode) return;
  const L = JSON.parse(labelsNode.textContent);

  const DEFAULTS = {
    attribute: { type: "attribute", field: "city", op: "eq", value: "" },
    tag: { type: "tag", op: "has", value: "" },
    lifecycle_stage: { type: "lifecycle_stage", op: "in", value: ["active"] },
    seed: { type: "seed", value: true },
    rfm_segment: { type: "rfm_segment", op: "in", value: ["champions"] },
    event: { type: "event", event: "", op: "at_least", count: 1, within_days: 30 },
  };
  const OPS = {
    attribute: ["eq", "ne", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "is_set", "is_not_set"],
    tag: ["has", "has_not"],
    lifecycle_stage: ["in", "not_in"],
    rfm_segment: ["in", "not_in"],
    event: ["at_least", "at_most", "exactly", "none"],
  };

  let model;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "on") Object.entries(v).forEach(([e, f]) => node.addEventListener(e, f));
      else if (v !== undefined && v !== null) node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  function select(options, value, onChange, label) {
    const s = el("select", { class: "form-select form-select-sm w-auto", "aria-label": label, on: { change: (e) => onChange(e.target.value) } });
    options.forEach(([v, text]) => {
      const o = el("option", { value: v }, [text]);
      if (String(v) === String(value)) o.selected = true;
      s.append(o);
    });
    return s;
  }

  function input(value, onChange, attrs) {
    return el("input", Object.assign({ class: "form-control form-control-sm w-auto", value: value ?? "", on: { input: (e) => onChange(e.target.value) } }, attrs || {}));
  }

  function parseValue(text) {
    const t = text.trim();
    if (t !== "" && !isNaN(Number(t))) return Number(t);
    if (t === "true" || t === "false") return t === "true";
    return t;
  }

  function conditionRow(cond, list, index) {
    const update = (changes) => { Object.assign(cond, changes); changed(); };
    const replace = (type) => { list[index] = JSON.parse(JSON.stringify(DEFAULTS[type])); changed(true); };
    const parts = [select(Object.entries(L.types), cond.type, replace, L.kind)];
    if (cond.type === "attribute") {
      parts.push(input(cond.field, (v) => update({ field: v }), { list: "xn-fields", "aria-label": L.field, size: 16 }));
      parts.push(select(OPS.attribute.map((o) => [o, L.ops[o]]), cond.op, (v) => {
        const value = v === "is_set" || v === "is_not_set" ? undefined : v === "in" || v === "not_in" ? [] : "";
        update({ op: v, value: value }); render();
      }, L.op));
      if (cond.op === "in" || cond.op === "not_in") {
        parts.push(input((cond.value || []).join(","), (v) => update({ value: v.split(/[,，]/).map((x) => x.trim()).filter(Boolean).map(parseValue) }), { "aria-label": L.values, placeholder: L.commas }));
      } else if (cond.op !== "is_set" && cond.op !== "is_not_set") {
        parts.push(input(cond.value, (v) => update({ value: parseValue(v) }), { "aria-label": L.value }));
      }
    } else if (cond.type === "tag") {
      parts.push(select(OPS.tag.map((o) => [o, L.ops[o]]), cond.op, (v) => update({ op: v }), L.op));
      parts.push(input(cond.value, (v) => update({ value: v }), { list: "xn-tags", "aria-label": L.tag }));
    } else if (cond.type === "lifecycle_stage" || cond.type === "rfm_segment") {
      const choices = cond.type === "lifecycle_stage" ? L.stages : L.rfm;
      parts.push(select(OPS[cond.type].map((o) => [o, L.ops[o]]), cond.op, (v) => update({ op: v }), L.op));
      const multi = el("select", { class: "form-select form-select-sm w-auto", multiple: "multiple", size: 3, "aria-label": L.values, on: { change: (e) => update({ value: Array.from(e.target.selectedOptions).map((o) => o.value) }) } });
      Object.entries(choices).forEach(([v, text]) => { const o = el("option", { value: v }, [text]); o.selected = (cond.value || []).includes(v); multi.append(o); });
      parts.push(multi);
    } else if (cond.type === "seed") {
      parts.push(select([["true", L.yes], ["false", L.no]], String(cond.value), (v) => update({ value: v === "true" }), L.value));
    } else if (cond.type === "event") {
      parts.push(input(cond.event, (v) => update({ event: v }), { "aria-label": L.event, placeholder: L.event }));
      parts.push(select(OPS.event.map((o) => [o, L.ops[o]]), cond.op || "at_least", (v) => { update({ op: v }); render(); }, L.op));
      if (cond.op !== "none") parts.push(input(cond.count ?? 1, (v) => update({ count: parseInt(v, 10) || 0 }), { type: "number", min: 0, "aria-label": L.times, style: "width:6em" }), L.times);
      parts.push(L.within);
      parts.push(input(cond.within_days ?? "", (v) => update({ within_days: v === "" ? undefined : parseInt(v, 10) }), { type: "number", min: 1, "aria-label": L.days, placeholder: L.ever, style: "width:6em" }));
      parts.push(L.days);
    }
    parts.push(el("button", { type: "button", class: "btn btn-sm btn-link text-danger", "aria-label": L.remove, on: { click: () => { list.splice(index, 1); changed(true); } } }, ["×"]));
    return el("div", { class: "d-flex flex-wrap align-items-center gap-2 mb-2 xn-condition" }, parts);
  }

  function groupBox(group, list, index, nested) {
    const box = el("div", { class: nested ? "border rounded p-2 mb-2 ms-3" : "" });
    box.append(el("div", { class: "d-flex align-items-center gap-2 mb-2" }, [
      select([["all", L.all], ["any", L.any]], group.match || "all", (v) => { group.match = v; changed(); }, L.match),
      nested ? el("button", { type: "button", class: "btn btn-sm btn-link text-danger", on: { click: () => { list.splice(index, 1); changed(true); } } }, [L.removeGroup]) : "",
    ]));
    group.conditions.forEach((c, i) => box.append(c.conditions ? groupBox(c, group.conditions, i, true) : conditionRow(c, group.conditions, i)));
    const add = [el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", on: { click: () => { group.conditions.push(JSON.parse(JSON.stringify(DEFAULTS.event))); changed(true); } } }, [L.add])];
    if (!nested) add.push(el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", on: { click: () => { group.conditions.push({ match: "any", conditions: [JSON.parse(JSON.stringify(DEFAULTS.tag))] }); changed(true); } } }, [L.addGroup]));
    box.append(el("div", { class: "d-flex gap-2" }, add));
    return box;
  }

  function render() {
    root.replaceChildren(groupBox(model, null, 0, false));
  }

  function changed(rerender) {
    area.value = JSON.stringify(model, null, 2);
    area.dispatchEvent(new Event("input", { bubbles: true }));
    if (rerender) render();
  }

  function load() {
    try {
      const parsed = JSON.parse(area.value);
      if (parsed && Array.isArray(parsed.conditions)) { model = parsed; render(); return; }
    } catch (e) { /* hand-typed JSON being edited: keep the builder as it was */ }
    if (!model) { model = { match: "all", conditions: [] }; render(); }
  }

  area.addEventListener("change", load);
  load();
})();
