// The dashboard's entry: log in (the admin token, once, for a session cookie),
// then a hash router over the rack, node pages, rules and images.
import { login, logout, problems, resumeSession, whenLoggedOut } from './api.js';
import { fill, h } from './dom.js';
import { imagesView, rulesView } from './catalog.js';
import { createRack } from './live.js';
import { nodeView } from './node-page.js';
import { rackView } from './rack.js';

const view = document.getElementById('view');
const nav = document.querySelector('.nav');
const live = document.getElementById('live');
const logoutButton = document.getElementById('logout');
let rack = null;
let teardown = null;

function showLogin(message) {
  rack?.stop();
  rack = null;
  nav.hidden = true;
  logoutButton.hidden = true;
  live.textContent = '';
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', 'aria-label': 'admin token', required: true });
  const errors = h('p', { class: 'notice bad', role: 'alert' }, message ?? '');
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      await login(token.value.trim());
      await enter();
    } catch (err) {
      errors.textContent = problems(err).join('; ');
    }
  };
  fill(view, h('form', { class: 'card login', onsubmit: submit }, h('h1', null, 'Log in to bootherd'),
    h('p', { class: 'muted' }, 'Paste the admin token: it is in <data-dir>/admin-token on the bootherd host (or the adminToken of its configuration).'),
    token, h('button', { type: 'submit', class: 'primary' }, 'Log in'), errors));
  token.focus();
}

async function route() {
  if (!rack) return;
  teardown?.();
  teardown = null;
  const hash = location.hash.replace(/^#/, '') || '/';
  const node = /^\/nodes\/([^/]+)$/.exec(hash);
  for (const a of nav.querySelectorAll('a')) a.setAttribute('aria-current', String(a.getAttribute('href') === `#${hash}`));
  try {
    if (node) teardown = await nodeView(view, rack, decodeURIComponent(node[1]));
    else if (hash === '/rules') await rulesView(view);
    else if (hash === '/images') await imagesView(view);
    else teardown = rackView(view, rack);
  } catch (err) {
    fill(view, h('p', { class: 'notice bad', role: 'alert' }, problems(err).join('; ')));
  }
}

async function enter() {
  nav.hidden = false;
  logoutButton.hidden = false;
  rack = createRack({ onLoggedOut: () => showLogin('Your session ended; log in again.') });
  rack.onStatus((s) => ((live.textContent = s), (live.className = `live ${s === 'live' ? 'on' : 'off'}`)));
  await rack.start();
  await route();
}

whenLoggedOut(() => showLogin('Your session ended; log in again.'));
window.addEventListener('hashchange', () => void route());
logoutButton.addEventListener('click', async () => {
  await logout();
  showLogin('Logged out.');
});

(async () => {
  try {
    if (await resumeSession()) await enter();
    else showLogin();
  } catch (err) {
    fill(view, h('p', { class: 'notice bad', role: 'alert' }, `bootherd is not answering: ${problems(err).join('; ')}`));
  }
})();
