// The set-target form: the fields of each target kind, sent as they are; the
// server validates, and its issues are shown beside the form.
import { api, problems } from './api.js';
import { fill, h } from './dom.js';

const kinds = ['nfs-root', 'usb-root', 'install', 'local'];
const fieldsOf = {
  'nfs-root': ['image', 'server', 'path', 'options'],
  'usb-root': ['image', 'partuuid'],
  install: ['image', 'disk', 'then'],
  local: [],
};
const labels = { image: 'Image', server: 'NFS server', path: 'Root path', options: 'NFS options', partuuid: 'Root PARTUUID', disk: 'Disk (name or by-id)', then: 'Then boot' };
const hints = { server: '10.0.0.1', path: '/srv/roots/rack1-pi07', options: 'vers=3', partuuid: 'from the inventory when empty', disk: 'usb-Ultra_Fit_4C53…' };

/** The form for node `node`; `onDone(node)` gets the stored node after a success. */
export function targetForm(node, images, onDone) {
  const t = node.target ?? {};
  const kind = h('select', { name: 'kind', 'aria-label': 'target kind' }, kinds.map((k) => h('option', { value: k, selected: (t.kind ?? 'nfs-root') === k }, k)));
  const inputs = {};
  const wraps = {};
  for (const name of Object.keys(labels)) {
    inputs[name] = name === 'then'
      ? h('select', { name }, ['usb-root', 'local'].map((k) => h('option', { value: k, selected: t.then?.kind === k }, k)))
      : h('input', { name, type: 'text', value: t[name] ?? '', placeholder: hints[name] ?? '', list: name === 'image' ? 'image-names' : undefined, autocomplete: 'off' });
    wraps[name] = h('label', null, h('span', null, labels[name]), inputs[name]);
  }
  const errors = h('ul', { class: 'errors', role: 'alert' });
  const notice = h('p', { class: 'notice', role: 'status' });
  const datalist = h('datalist', { id: 'image-names' }, images.map((i) => h('option', { value: i.name })));
  const showFields = () => {
    for (const [name, w] of Object.entries(wraps)) w.hidden = !fieldsOf[kind.value].includes(name);
  };
  kind.addEventListener('change', showFields);
  showFields();

  async function submit(ev) {
    ev.preventDefault();
    fill(errors);
    notice.textContent = '';
    const body = { kind: kind.value };
    for (const name of fieldsOf[kind.value]) {
      const v = inputs[name].value.trim();
      if (name === 'then') body.then = { kind: v };
      else if (v) body[name] = v;
    }
    try {
      const stored = await api('PUT', `/api/v1/nodes/${encodeURIComponent(node.id)}/target`, body);
      notice.className = 'notice ok';
      notice.textContent = `Target set: ${stored.target?.kind ?? kind.value}`;
      onDone(stored);
    } catch (err) {
      fill(errors, problems(err).map((p) => h('li', null, p)));
    }
  }

  return h('form', { class: 'target', onsubmit: submit, 'aria-label': 'set target' },
    h('label', null, h('span', null, 'Kind'), kind),
    h('fieldset', null, Object.values(wraps)),
    datalist,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Set target')),
    errors, notice);
}
