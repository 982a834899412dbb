// Rules and images: list, create, edit, delete. Each is edited as the JSON
// document the API takes; the server's validation issues are shown as they come.
import { api, problems } from './api.js';
import { fill, h, table } from './dom.js';

const ruleTemplate = { name: 'rack1-pi4', priority: 100, match: { model: 'Raspberry Pi 4' }, apply: { hostname: 'rack1-pi{seq:2}', labels: { rack: 'rack1' }, target: { kind: 'local' } } };
const imageTemplate = { description: 'Raspberry Pi OS Lite', arch: 'arm64', bootDir: '/srv/images/raspios-lite/boot', kernel: 'kernel8.img', cmdline: [] };

/** A JSON editor card: `save(doc)` stores it (throws ApiError), then `done()` reloads the list. */
function editor({ title, doc, nameField, save, done, cancel }) {
  const text = h('textarea', { rows: 14, spellcheck: 'false', 'aria-label': `${title} JSON` });
  text.value = JSON.stringify(doc, null, 2);
  const name = nameField ? h('input', { type: 'text', value: nameField.value, 'aria-label': 'name', placeholder: 'name', readonly: nameField.readonly }) : null;
  const errors = h('ul', { class: 'errors', role: 'alert' });
  const submit = async (ev) => {
    ev.preventDefault();
    fill(errors);
    let parsed;
    try {
      parsed = JSON.parse(text.value);
    } catch (err) {
      return void fill(errors, h('li', null, `not valid JSON: ${err.message}`));
    }
    try {
      await save(parsed, name?.value.trim());
      done();
    } catch (err) {
      fill(errors, problems(err).map((p) => h('li', null, p)));
    }
  };
  return h('form', { class: 'card editor', onsubmit: submit }, h('h2', null, title), name ? h('label', null, 'Name ', name) : null, text,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: cancel }, 'Cancel')), errors);
}

async function remove(what, path, reload, notice) {
  if (!confirm(`Delete ${what}?`)) return;
  try {
    await api('DELETE', path);
    reload();
  } catch (err) {
    notice.textContent = problems(err).join('; ');
  }
}

/** The rules view. */
export async function rulesView(root) {
  const slot = h('div');
  const notice = h('p', { class: 'notice bad', role: 'alert' });
  const list = h('div');
  const reload = async () => {
    fill(slot);
    const { rules } = await api('GET', '/api/v1/rules');
    const edit = (r) => {
      const { id, sequence, createdAt, ...doc } = r;
      fill(slot, editor({ title: `Edit rule ${r.name}`, doc, save: (d) => api('PUT', `/api/v1/rules/${encodeURIComponent(id)}`, d), done: reload, cancel: () => fill(slot) }));
    };
    fill(list, rules.length ? table(['name', 'priority', 'match', 'apply', 'next seq', ''], rules.map((r) => [r.name, String(r.priority), h('span', { class: 'mono' }, JSON.stringify(r.match)), h('span', { class: 'mono' }, JSON.stringify(r.apply)), String(r.sequence),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => edit(r) }, 'Edit'), h('button', { type: 'button', class: 'danger', onclick: () => remove(`rule ${r.name}`, `/api/v1/rules/${encodeURIComponent(r.id)}`, reload, notice) }, 'Delete'))]))
      : h('p', { class: 'muted' }, 'No rules: new nodes wait in ready until given a target.'));
  };
  const create = () => fill(slot, editor({ title: 'New rule', doc: ruleTemplate, save: (d) => api('POST', '/api/v1/rules', d), done: reload, cancel: () => fill(slot) }));
  fill(root, h('section', { class: 'card' }, h('h1', null, 'Enrollment rules'), h('p', { class: 'muted' }, 'The first matching rule (lowest priority) names, labels and targets a newly discovered node.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: create }, 'New rule')), notice, list), slot);
  await reload();
}

/** The images view. */
export async function imagesView(root) {
  const slot = h('div');
  const notice = h('p', { class: 'notice bad', role: 'alert' });
  const list = h('div');
  const put = async (d, name) => {
    if (!name) throw new Error('name: an image needs a name');
    return api('PUT', `/api/v1/images/${encodeURIComponent(name)}`, d);
  };
  const reload = async () => {
    fill(slot);
    const { images } = await api('GET', '/api/v1/images');
    const edit = (i) => {
      const { name, createdAt, updatedAt, ...doc } = i;
      fill(slot, editor({ title: `Edit image ${name}`, doc, nameField: { value: name, readonly: true }, save: put, done: reload, cancel: () => fill(slot) }));
    };
    fill(list, images.length ? table(['name', 'arch', 'kernel', 'disk', 'description', ''], images.map((i) => [i.name, i.arch ?? '', i.kernel ?? '', i.disk ? i.disk.url : '', i.description ?? '',
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => edit(i) }, 'Edit'), h('button', { type: 'button', class: 'danger', onclick: () => remove(`image ${i.name}`, `/api/v1/images/${encodeURIComponent(i.name)}`, reload, notice) }, 'Delete'))]))
      : h('p', { class: 'muted' }, 'No images yet.'));
  };
  const create = () => fill(slot, editor({ title: 'New image', doc: imageTemplate, nameField: { value: '', readonly: false }, save: put, done: reload, cancel: () => fill(slot) }));
  fill(root, h('section', { class: 'card' }, h('h1', null, 'Images'), h('p', { class: 'muted' }, 'Boot files for targets, and disk images for installs.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: create }, 'New image')), notice, list), slot);
  await reload();
}
