// The rack view: every node as a row (hostname, state, health, boot stage,
// next boot, last event), counts per state, filters; a virtualised list that
// only builds the rows in sight, so 1,000 nodes cost what 40 do.
import { ago, fill, h, stateBadge } from './dom.js';
import { describeEvent, healthOf, nameOf, nextBootOf } from './live.js';

const states = ['new', 'ready', 'installing', 'deployed', 'rescue', 'failed', 'retired'];
const collator = new Intl.Collator(undefined, { numeric: true });
const cls = (s) => String(s).replace(/[^a-z-]/g, '');

function matches(n, f) {
  if (f.state && n.state !== f.state) return false;
  if (f.health && n.health !== f.health) return false;
  if (f.label) {
    const [k, ...v] = f.label.split('=');
    if (!(k in (n.labels ?? {}))) return false;
    if (v.length && n.labels[k] !== v.join('=')) return false;
  }
  if (f.q) {
    const q = f.q.toLowerCase();
    const hay = [n.hostname, n.id, n.identity?.serial, ...(n.identity?.macs ?? [])].filter(Boolean).join(' ').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

function row(n, ev, top) {
  const stage = n.lastBoot?.stage ?? '—';
  const health = healthOf(n);
  const next = nextBootOf(n);
  const last = ev ? `${describeEvent(ev)} · ${ago(ev.at)}` : '—';
  const a = h('a', { class: 'rack-row', role: 'listitem', href: `#/nodes/${encodeURIComponent(n.id)}`, 'data-node-id': n.id },
    h('span', { class: 'c-host', title: nameOf(n) }, nameOf(n)),
    h('span', { class: 'c-state' }, stateBadge(n.state)),
    h('span', { class: `c-health h-${cls(n.health)}`, title: health }, health),
    h('span', { class: 'c-stage' }, stage),
    h('span', { class: 'c-next', title: next }, next),
    h('span', { class: 'c-event', title: last }, last),
    h('span', { class: 'c-meta' }, `${health} · ${stage} · ${last}`));
  a.style.top = `${top}px`;
  return a;
}

/** Shows the rack in `root`; returns a function that tears the view down. */
export function rackView(root, rack) {
  const f = { state: '', health: '', label: '', q: '' };
  let rows = [];
  const counts = h('div', { class: 'counts', role: 'group', 'aria-label': 'nodes per state' });
  const onFilter = () => (recompute(), renderCounts(), renderRows());
  const stateSel = h('select', { 'aria-label': 'state', onchange: (e) => ((f.state = e.target.value), onFilter()) }, h('option', { value: '' }, 'any state'), states.map((s) => h('option', { value: s }, s)));
  const healthSel = h('select', { 'aria-label': 'health', onchange: (e) => ((f.health = e.target.value), onFilter()) });
  const label = h('input', { type: 'text', placeholder: 'label key=value', 'aria-label': 'label', oninput: (e) => ((f.label = e.target.value.trim()), onFilter()) });
  const search = h('input', { type: 'search', placeholder: 'hostname, serial, MAC', 'aria-label': 'search', oninput: (e) => ((f.q = e.target.value.trim()), onFilter()) });
  const shown = h('span', { class: 'muted', id: 'rack-shown' });
  const head = h('div', { class: 'rack-head', 'aria-hidden': 'true' }, ['Hostname', 'State', 'Health', 'Stage', 'Next boot', 'Last event'].map((t) => h('span', null, t)));
  const spacer = h('div', { class: 'rack-spacer' });
  const list = h('div', { class: 'rack-list', role: 'list', 'aria-label': 'nodes' }, spacer);
  fill(root, h('section', { class: 'rack' }, counts, h('div', { class: 'filters' }, search, stateSel, healthSel, label, shown), head, list));

  function recompute() {
    rows = [...rack.nodes.values()].filter((n) => matches(n, f)).sort((a, b) => collator.compare(nameOf(a), nameOf(b)) || (a.id < b.id ? -1 : 1));
  }

  function renderCounts() {
    const by = new Map();
    for (const n of rack.nodes.values()) by.set(n.state, (by.get(n.state) ?? 0) + 1);
    const button = (state, text) => h('button', { type: 'button', 'aria-pressed': String(f.state === state), 'data-state': state || 'all', onclick: () => ((f.state = f.state === state ? '' : state), (stateSel.value = f.state), onFilter()) }, text);
    fill(counts, button('', `all ${rack.nodes.size}`), states.filter((s) => by.has(s)).map((s) => button(s, `${s} ${by.get(s)}`)));
    const healths = [...new Set([...rack.nodes.values()].map((n) => n.health).filter(Boolean))].sort();
    if (f.health && !healths.includes(f.health)) healths.push(f.health);
    fill(healthSel, h('option', { value: '' }, 'any health'), healths.map((x) => h('option', { value: x, selected: x === f.health }, x)));
    shown.textContent = `${rows.length} of ${rack.nodes.size} shown`;
  }

  function renderRows() {
    const rowH = parseFloat(getComputedStyle(list).getPropertyValue('--row-h')) || 36;
    spacer.style.height = `${rows.length * rowH}px`;
    if (rows.length === 0) return fill(spacer, h('p', { class: 'empty' }, rack.nodes.size ? 'No node matches these filters.' : 'No nodes yet: power on a board and it appears here.'));
    const first = Math.max(0, Math.floor(list.scrollTop / rowH) - 5);
    const last = Math.min(rows.length, first + Math.ceil(list.clientHeight / rowH) + 10);
    fill(spacer, rows.slice(first, last).map((n, i) => row(n, rack.lastEvents.get(n.id), (first + i) * rowH)));
    if (!performance.getEntriesByName('rack-drawn').length) performance.mark('rack-drawn');
  }

  let frame = 0;
  const onScroll = () => (frame ||= requestAnimationFrame(() => ((frame = 0), renderRows())));
  list.addEventListener('scroll', onScroll);
  window.addEventListener('resize', onScroll);
  const off = rack.onChange(onFilter);
  const tick = setInterval(renderRows, 10_000);
  onFilter();
  return () => {
    off();
    clearInterval(tick);
    window.removeEventListener('resize', onScroll);
  };
}
