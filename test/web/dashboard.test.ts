// The dashboard in real Chromium (Debian's, driven by playwright-core) against
// a real bootherd with TFTP on 127.0.0.1:0 over a seeded SQLite database.
// Screenshots go to test-artifacts/dashboard/ (gitignored).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newNode } from '../../src/core/enroll.js';
import { packageRoot } from '../../src/paths.js';
import { launchChromium } from '../helpers/browser.js';
import { seedDatabase } from '../helpers/seed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tftpGet } from '../helpers/tftp-client.js';

const artefacts = path.join(packageRoot, 'test-artifacts', 'dashboard');
const wait = { timeout: 60_000 };
const hostileHost = '<img src=x onerror="window.__xss=1">';
const hostileLabel = '"><script>window.__xss=2</script>';
const hostileModel = '"><img src=y onerror="window.__xss=3">';

let s: TestServer;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let hostileId: string;
let seeded: Array<{ state: string; health: string; labels: Record<string, string> }>;
const countOf = (pred: (n: (typeof seeded)[number]) => boolean) => seeded.filter(pred).length;

before(async () => {
  mkdirSync(artefacts, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-ui-'));
  // A node written by something that did not validate (an older bootherd, another instance): markup in its fields.
  const hostile = { ...newNode({ serial: 'bad0bad0' }, new Date().toISOString(), null), hostname: hostileHost, labels: { note: hostileLabel } };
  hostile.hardware = { ...hostile.hardware, model: hostileModel };
  hostileId = hostile.id;
  seeded = await seedDatabase(path.join(dataDir, 'bootherd.db'), 30, [hostile]);
  s = await startTestServer({ 'no-tftp': false, tftp: '127.0.0.1:0' }, { dataDir });
  chromium = await launchChromium();
  browser = chromium.browser;
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(60_000);
});
after(async () => {
  await chromium?.close();
  await s?.stop();
});

const row = (p: Page, id: string) => p.locator(`.rack-row[data-node-id="${id}"]`);
const nodeIdOf = async (hostname: string) => ((await s.api('GET', `/api/v1/nodes/${hostname}`)).body as { id: string }).id;

test('log in with the admin token: a wrong one is refused, the right one sets an HttpOnly SameSite=Strict cookie and shows the seeded rack', async () => {
  await page.goto(`${s.url}/ui/`);
  await page.fill('input[name=token]', 'not-the-admin-token');
  await page.click('form.login button[type=submit]');
  await page.locator('form.login [role=alert]', { hasText: 'unauthorized: wrong admin token' }).waitFor(wait);
  await page.fill('input[name=token]', s.token);
  await page.click('form.login button[type=submit]');
  await page.locator('.rack-row').first().waitFor(wait);
  const cookie = (await context.cookies()).find((c) => c.name === 'bootherd_session');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'page scripts cannot read it');
  assert.equal(await page.locator('.counts [data-state=all]').textContent(), 'all 31');
  assert.equal(await page.locator('.counts [data-state=deployed]').textContent(), `deployed ${countOf((n) => n.state === 'deployed')}`);
  const pi01 = row(page, await nodeIdOf('rack1-pi01'));
  assert.equal(await pi01.locator('.c-host').textContent(), 'rack1-pi01');
  assert.equal(await pi01.locator('.c-state').textContent(), 'deployed');
  assert.equal(await pi01.locator('.c-stage').textContent(), 'os-up');
  assert.equal(await pi01.locator('.c-next').textContent(), 'nfs-root (firmware-dir kernel) -> 10.0.0.1:/srv/roots/rack1-pi1', "the server's nextBoot line");
  await page.screenshot({ path: path.join(artefacts, 'rack.png') });
});

test('filters: by state (count button), by label, by health', async () => {
  await page.click('.counts [data-state=failed]');
  assert.equal(await page.locator('#rack-shown').textContent(), `${countOf((n) => n.state === 'failed')} of 31 shown`);
  assert.deepEqual(new Set(await page.locator('.rack-row .c-state').allTextContents()), new Set(['failed']));
  await page.click('.counts [data-state=all]');
  await page.fill('input[aria-label=label]', 'role=storage');
  assert.equal(await page.locator('#rack-shown').textContent(), `${countOf((n) => n.labels.role === 'storage')} of 31 shown`);
  await page.fill('input[aria-label=label]', 'rack=rack1');
  await page.screenshot({ path: path.join(artefacts, 'rack-rack1.png') });
  await page.fill('input[aria-label=label]', '');
  await page.selectOption('select[aria-label=health]', 'wedged');
  assert.equal(await page.locator('#rack-shown').textContent(), `${countOf((n) => n.health === 'wedged')} of 31 shown`);
  await page.selectOption('select[aria-label=health]', '');
  assert.equal(await page.locator('#rack-shown').textContent(), '31 of 31 shown');
});

test('a hostname, label or model with markup renders as text in the rack and on the node page, and runs nothing', async () => {
  await page.fill('input[aria-label=search]', 'bad0bad0');
  assert.equal(await row(page, hostileId).locator('.c-host').textContent(), hostileHost);
  await page.fill('input[aria-label=search]', '');
  await row(page, hostileId).click();
  await page.locator('.node-name').waitFor(wait);
  assert.equal(await page.locator('.node-name').evaluate((el) => el.firstChild?.textContent), hostileHost);
  await page.locator('.chip', { hasText: 'note=' }).waitFor(wait);
  assert.equal(await page.locator('.chip', { hasText: 'note=' }).textContent(), `note=${hostileLabel}`);
  await page.locator('dd', { hasText: hostileModel }).waitFor(wait);
  assert.equal(await page.locator('main img, main script').count(), 0, 'no element was made from data');
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'no script ran');
  await page.screenshot({ path: path.join(artefacts, 'hostile-node.png'), fullPage: true });
  await page.click('text=← rack');
  await page.locator('.rack-row').first().waitFor(wait);
});

test('a node enrolled over TFTP meanwhile appears in the rack without a reload', async () => {
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  const r = await tftpGet({ host: '127.0.0.1', port: s.running.tftp[0]!.port, path: 'c0ffee42/start4.elf', options: { tsize: '0', blksize: '1024' } });
  assert.equal(r.error?.code, 1, 'no firmware here: file not found, but the board is enrolled');
  const id = await nodeIdOf('c0ffee42');
  await row(page, id).waitFor(wait);
  assert.equal(await row(page, id).locator('.c-host').textContent(), 'c0ffee42');
  assert.equal(await row(page, id).locator('.c-state').textContent(), 'new');
  await page.locator('.counts [data-state=all]', { hasText: 'all 32' }).waitFor(wait);
  assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'the page was not reloaded');
  await page.screenshot({ path: path.join(artefacts, 'rack-after-tftp.png') });
});

test('set a target through the form: a bad one shows the server\'s validation errors, a good one changes next boot', async () => {
  const id = await nodeIdOf('rack1-pi05');
  await row(page, id).click();
  await page.locator('form.target').waitFor(wait);
  assert.equal(await page.locator('.next-boot').textContent(), 'discovery image (hold: waiting for a target)');
  await page.selectOption('form.target select[name=kind]', 'nfs-root');
  await page.fill('form.target input[name=server]', '');
  await page.fill('form.target input[name=path]', 'srv/roots/relative');
  await page.click('form.target button[type=submit]');
  await page.locator('form.target .errors li').first().waitFor(wait);
  const errors = await page.locator('form.target .errors li').allTextContents();
  // An empty server is left out (bootherd serves the root from its advertise address); a relative path is refused.
  assert.ok(errors.some((e) => e === 'path: must be an absolute path without .. segments'), errors.join('\n'));
  assert.equal((await s.api('GET', `/api/v1/nodes/${id}`)).body.target, null, 'nothing changed');
  await page.screenshot({ path: path.join(artefacts, 'target-error.png'), fullPage: true });

  await page.fill('form.target input[name=server]', '10.0.0.9');
  await page.fill('form.target input[name=path]', '/srv/roots/rack1-pi05');
  await page.click('form.target button[type=submit]');
  await page.locator('form.target .notice.ok').waitFor(wait);
  assert.equal(await page.locator('form.target .errors li').count(), 0);
  await page.locator('.next-boot', { hasText: 'nfs-root' }).waitFor(wait);
  assert.equal(await page.locator('.node-name .badge').textContent(), 'deployed');
  const stored = (await s.api('GET', `/api/v1/nodes/${id}`)).body;
  assert.deepEqual(stored.target, { kind: 'nfs-root', server: '10.0.0.9', path: '/srv/roots/rack1-pi05', options: 'vers=3' });
  await page.click('text=← rack');
  await row(page, id).locator('.c-next', { hasText: 'nfs-root' }).waitFor(wait);
});

test('a change with the cookie but without X-CSRF-Token is refused; a forged or missing cookie is 401; logout ends the session', async () => {
  const id = await nodeIdOf('rack1-pi02');
  const call = (p: Page, method: string, url: string, headers: Record<string, string> = {}) =>
    p.evaluate(async ([m, u, hd]) => {
      const res = await fetch(u, { method: m, headers: { 'content-type': 'application/json', ...hd }, body: m === 'GET' ? undefined : JSON.stringify({ labels: { csrf: 'x' } }) });
      return { status: res.status, body: await res.text() };
    }, [method, url, headers] as const);
  const noCsrf = await call(page, 'PATCH', `/api/v1/nodes/${id}`);
  assert.equal(noCsrf.status, 403, noCsrf.body);
  assert.match(noCsrf.body, /X-CSRF-Token/);
  const wrongCsrf = await call(page, 'PATCH', `/api/v1/nodes/${id}`, { 'x-csrf-token': 'forged-token' });
  assert.equal(wrongCsrf.status, 403);
  assert.equal((await s.api('GET', `/api/v1/nodes/${id}`)).body.labels.csrf, undefined, 'nothing changed');
  assert.equal((await call(page, 'GET', '/api/v1/nodes?limit=1')).status, 200, 'reads need no CSRF token');

  const forged = await browser.newContext();
  await forged.addCookies([{ name: 'bootherd_session', value: 'A'.repeat(43), url: s.url }]);
  const fp = await forged.newPage();
  await fp.goto(`${s.url}/ui/`);
  assert.equal((await call(fp, 'GET', '/api/v1/nodes?limit=1')).status, 401);
  assert.equal((await call(fp, 'PATCH', `/api/v1/nodes/${id}`, { 'x-csrf-token': 'A'.repeat(43) })).status, 401);
  await fp.locator('form.login').waitFor(wait);
  await forged.close();
  const none = await browser.newContext();
  const np = await none.newPage();
  await np.goto(`${s.url}/ui/`);
  assert.equal((await call(np, 'GET', '/api/v1/events?limit=1')).status, 401);
  await none.close();

  await page.click('#logout');
  await page.locator('form.login').waitFor(wait);
  assert.equal((await call(page, 'GET', '/api/v1/nodes?limit=1')).status, 401, 'the old cookie is dead');
});

test('the rack at phone width', async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const p = await phone.newPage();
  await p.goto(`${s.url}/ui/`);
  await p.fill('input[name=token]', s.token);
  await p.click('form.login button[type=submit]');
  await p.locator('.rack-row').first().waitFor(wait);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
  assert.ok(await p.locator('.rack-row .c-host').first().isVisible());
  await p.screenshot({ path: path.join(artefacts, 'rack-phone.png') });
  await phone.close();
});
