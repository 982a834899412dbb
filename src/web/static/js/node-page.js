// The node page: identity, hardware, next boot, the last boot's timeline,
// power, events (live), and the actions an operator takes on one node.
import { api, problems } from './api.js';
import { ago, bytes, fill, h, kv, stateBadge, table } from './dom.js';
import { describeEvent, healthOf, nameOf, nextBootOf } from './live.js';
import { targetForm } from './target-form.js';

const stages = ['firmware', 'kernel', 'initramfs', 'os-up'];
const actions = [
  ['rescue', 'Rescue'], ['end-rescue', 'End rescue'], ['power-on', 'Power on'], ['power-off', 'Power off'],
  ['reboot', 'Reboot / power cycle'], ['retire', 'Retire'], ['reset', 'Reset'],
];
const json = (v) => h('pre', { class: 'mono' }, JSON.stringify(v, null, 2));
const time = (iso) => (iso ? `${new Date(iso).toLocaleString()} (${ago(iso)})` : '');

function identityCard(n) {
  const labels = Object.entries(n.labels ?? {});
  return h('section', { class: 'card' }, h('h2', null, 'Identity'), kv([
    ['id', h('span', { class: 'mono' }, n.id)], ['serial', n.identity?.serial], ['MACs', (n.identity?.macs ?? []).join(', ')], ['UUID', n.identity?.uuid],
    ['last IP', n.lastIp], ['last seen', time(n.lastSeenAt)], ['enrolled by', n.enrolledBy], ['created', time(n.createdAt)], ['version', n.version],
  ]), h('div', { class: 'labels' }, labels.length ? labels.map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`)) : h('span', { class: 'muted' }, 'no labels')));
}

function hardwareCard(n) {
  const hw = n.hardware ?? {};
  return h('section', { class: 'card' }, h('h2', null, 'Hardware'), kv([
    ['model', hw.model], ['revision', hw.revision], ['family', hw.family], ['SoC', hw.soc], ['arch', hw.arch], ['CPUs', hw.cpus],
    ['memory', bytes(hw.memoryBytes)], ['kernel', hw.kernel], ['boot mode', hw.bootMode], ['system serial', hw.systemSerial],
  ]),
  (hw.nics ?? []).length ? table(['NIC', 'MAC', 'booted'], hw.nics.map((x) => [x.name ?? '', x.mac, x.booted ? 'yes' : ''])) : null,
  (hw.disks ?? []).length ? table(['disk', 'size', 'model', 'transport', 'partitions'], hw.disks.map((d) => [d.name, bytes(d.sizeBytes), d.model ?? '', d.transport ?? '', (d.partitions ?? []).map((p) => `${p.name}${p.fstype ? ` ${p.fstype}` : ''}${p.partuuid ? ` ${p.partuuid}` : ''}`).join(', ')])) : null);
}

function bootCard(n, events) {
  const b = n.lastBoot;
  const reached = b ? stages.indexOf(b.stage) : -1;
  const steps = events.filter((e) => e.kind === 'boot-stage' && (!b || e.at >= b.startedAt)).reverse();
  return h('section', { class: 'card' }, h('h2', null, 'Next boot'), h('p', { class: 'next-boot mono' }, nextBootOf(n)),
    n.target ? h('details', null, h('summary', null, 'target'), json(n.target)) : null,
    h('h2', null, 'Last boot'),
    b ? [h('ol', { class: 'timeline', 'aria-label': 'boot stages' }, stages.map((s, i) => h('li', { class: i <= reached ? 'reached' : '' }, s))),
      kv([['started', time(b.startedAt)], ['via', b.via], ['client', b.clientIp], ['files', b.files], ['probes', b.probes], ['not found', b.notFound], ['failed', b.failed], ['bytes', bytes(b.bytes)], ['updated', time(b.updatedAt)]]),
      steps.length ? table(['stage', 'at'], steps.map((e) => [String(e.data?.stage ?? ''), time(e.at)])) : null]
      : h('p', { class: 'muted' }, 'no boot seen yet'));
}

function powerCard(n, status) {
  return h('section', { class: 'card' }, h('h2', null, 'Power'),
    n.power ? kv(Object.entries(n.power).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])) : h('p', { class: 'muted' }, 'no power controller assigned'),
    status ? kv(Object.entries(status).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])) : null);
}

function eventsCard(events) {
  return h('section', { class: 'card wide' }, h('h2', null, 'Events'),
    events.length ? table(['at', 'event', 'data'], events.map((e) => [time(e.at), describeEvent(e), h('span', { class: 'mono' }, JSON.stringify(e.data))])) : h('p', { class: 'muted' }, 'no events'));
}

/** Shows node `id` in `root`; returns a function that tears the view down. */
export async function nodeView(root, rack, id) {
  let node;
  try {
    node = await api('GET', `/api/v1/nodes/${encodeURIComponent(id)}`);
  } catch (err) {
    return void fill(root, h('p', { class: 'notice bad', role: 'alert' }, problems(err)[0]), h('a', { href: '#/' }, 'back to the rack'));
  }
  const [events, images, power] = await Promise.all([
    api('GET', `/api/v1/events?node=${encodeURIComponent(node.id)}&limit=100`).then((r) => r.events.reverse()),
    api('GET', '/api/v1/images').then((r) => r.images).catch(() => []),
    node.power ? api('GET', `/api/v1/nodes/${encodeURIComponent(node.id)}/power`).catch(() => null) : null,
  ]);
  const head = h('div');
  const cards = h('div', { class: 'grid' });
  const notice = h('p', { class: 'notice', role: 'status' });
  const act = async (action, text) => {
    if ((action === 'retire' || action === 'reset') && !confirm(`${text} ${nameOf(node)}?`)) return;
    notice.className = 'notice';
    notice.textContent = `${text}…`;
    try {
      const r = await api('POST', `/api/v1/nodes/${encodeURIComponent(node.id)}/actions/${action}`);
      notice.className = 'notice ok';
      notice.textContent = `${text}: ${r.detail}`;
      update(r.node);
    } catch (err) {
      notice.className = 'notice bad';
      notice.textContent = `${text}: ${problems(err).join('; ')}`;
    }
  };
  const actionsCard = h('section', { class: 'card' }, h('h2', null, 'Actions'),
    h('div', { class: 'actions' }, actions.map(([a, text]) => h('button', { type: 'button', class: a === 'retire' ? 'danger' : '', 'data-action': a, onclick: () => act(a, text) }, text))), notice,
    h('h2', { class: 'spaced' }, 'Set target'), targetForm(node, images, (stored) => update(stored)));
  function render() {
    fill(head, h('p', null, h('a', { href: '#/' }, '← rack')), h('h1', { class: 'node-name' }, nameOf(node), ' ', stateBadge(node.state)),
      h('p', null, 'health: ', h('span', { class: `node-health h-${String(node.health).replace(/[^a-z-]/g, '')}` }, healthOf(node))));
    fill(cards, identityCard(node), bootCard(node, events), actionsCard, hardwareCard(node), powerCard(node, power), eventsCard(events));
  }
  function update(n) {
    node = n;
    render();
  }
  fill(root, head, cards);
  render();
  const offEvent = rack.onEvent((e) => {
    if (e.nodeId !== node.id) return;
    events.unshift(e);
    events.length = Math.min(events.length, 200);
  });
  const offChange = rack.onChange((ids) => {
    const n = rack.nodes.get(node.id);
    if (n && (!ids || ids.includes(node.id))) update(n);
  });
  return () => (offEvent(), offChange());
}
