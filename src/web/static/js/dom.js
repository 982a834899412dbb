// DOM helpers: every value becomes a text node or a property; nothing is ever
// parsed as HTML, so data from nodes (hostnames, labels, models) stays text.

/** Creates an element; `attrs` are attributes (on* keys: listeners), children are nodes or text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

/** Appends children (nested arrays flattened; null and false skipped) as nodes or text. */
export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Replaces every child of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

/** A `<dl>` of label/value pairs, skipping empty values. */
export function kv(pairs) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === '') continue;
    dl.append(h('dt', null, k), h('dd', null, v));
  }
  return dl;
}

/** A table with a header row; `rows` are arrays of cell contents. */
export function table(header, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'plain' },
      h('thead', null, h('tr', null, header.map((c) => h('th', null, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c)))))));
}

/** A state badge. */
export function stateBadge(state) {
  return h('span', { class: `badge s-${String(state).replace(/[^a-z-]/g, '')}` }, state);
}

/** Bytes as KiB/MiB/GiB. */
export function bytes(n) {
  if (typeof n !== 'number') return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** "12s ago" style age of an ISO time. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
