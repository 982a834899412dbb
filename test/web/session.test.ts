// Dashboard sessions over plain HTTP: the login exchange, CSRF on changes,
// logout, the static files and their headers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => s.stop());

async function login(): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${s.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: s.token }) });
  assert.equal(r.status, 200);
  const setCookie = r.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^bootherd_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  return { cookie: setCookie.split(';')[0]!, csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
}

test('login: a wrong token is 401, a bad body 400, and neither sets a cookie', async () => {
  const wrong = await fetch(`${s.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x'.repeat(32) }) });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  const bad = await s.api('POST', '/api/v1/session', { token: 7 }, { auth: null });
  assert.equal(bad.status, 400);
  assert.equal((await s.api('POST', '/api/v1/session', 'token=abc', { auth: null, headers: { 'content-type': 'text/plain' } })).status, 400, 'a cross-site form post parses as nothing');
  assert.equal((await s.api('GET', '/api/v1/session', undefined, { auth: null })).status, 401);
});

test('the cookie reads the API; a change needs its X-CSRF-Token; a bearer client needs none; logout ends it', async () => {
  const { cookie, csrf } = await login();
  const d = await s.api('POST', '/api/v1/discovery', piInventory('0000c5f1', 'dc:a6:32:00:c5:f1'), { auth: null });
  const id = d.body.nodeId as string;
  const withCookie = (method: string, p: string, headers: Record<string, string> = {}, body?: unknown) => s.api(method, p, body, { auth: null, headers: { cookie, ...headers } });
  assert.equal((await withCookie('GET', '/api/v1/session')).body.csrfToken, csrf);
  assert.equal((await withCookie('GET', `/api/v1/nodes/${id}`)).status, 200);
  assert.equal((await withCookie('PATCH', `/api/v1/nodes/${id}`, {}, { hostname: 'csrf-a' })).status, 403);
  assert.equal((await withCookie('PATCH', `/api/v1/nodes/${id}`, { 'x-csrf-token': csrf.slice(0, -1) + 'x' }, { hostname: 'csrf-a' })).status, 403);
  assert.equal((await s.api('GET', `/api/v1/nodes/${id}`)).body.hostname, null, 'refused changes change nothing');
  assert.equal((await withCookie('PATCH', `/api/v1/nodes/${id}`, { 'x-csrf-token': csrf }, { hostname: 'csrf-a' })).status, 200);
  assert.equal((await s.api('PATCH', `/api/v1/nodes/${id}`, { hostname: 'csrf-b' })).status, 200, 'bearer clients need no CSRF token');
  assert.equal((await withCookie('DELETE', '/api/v1/session')).status, 403, 'logout is a change too');
  const out = await withCookie('DELETE', '/api/v1/session', { 'x-csrf-token': csrf });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie') ?? '', /^bootherd_session=; .*Max-Age=0/);
  assert.equal((await withCookie('GET', `/api/v1/nodes/${id}`)).status, 401);
  assert.equal((await s.api('GET', `/api/v1/nodes/${id}`, undefined, { auth: null, headers: { cookie: 'bootherd_session=../../etc' } })).status, 401);
  assert.equal((await s.api('GET', `/api/v1/nodes/${id}`, undefined, { auth: null, headers: { cookie: 'other=1' } })).status, 401);
});

test('the dashboard files come from the repo with a strict CSP; / and /ui lead to /ui/', async () => {
  const index = await fetch(`${s.url}/ui/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await index.text(), /<script type="module" src="js\/app\.js"><\/script>/);
  for (const f of ['style.css', 'js/app.js', 'js/rack.js', 'js/node-page.js']) assert.equal((await fetch(`${s.url}/ui/${f}`)).status, 200, f);
  assert.equal((await fetch(`${s.url}/ui/../package.json`)).status, 404);
  assert.equal((await fetch(`${s.url}/ui/%2e%2e/%2e%2e/package.json`)).status, 404);
  assert.equal((await fetch(`${s.url}/`, { redirect: 'manual' })).headers.get('location'), '/ui/');
  assert.equal((await fetch(`${s.url}/ui`, { redirect: 'manual' })).headers.get('location'), '/ui/');
});

test('dashboard.enabled=false serves no dashboard and takes no session cookie', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-nodash-'));
  const file = path.join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ dashboard: { enabled: false } }));
  const off = await startTestServer({ config: file });
  try {
    assert.equal((await fetch(`${off.url}/ui/`)).status, 404);
    assert.equal((await off.api('POST', '/api/v1/session', { token: off.token }, { auth: null })).status, 401, 'no login route: the admin API wants a bearer token');
  } finally {
    await off.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
