// The rack view in real Chromium against a real bootherd whose boot admission
// has room for one board: a second Pi turned away at its first firmware file
// shows as deferred (with its place) in its row, the health filter offers
// deferred, and the row's last event says the boot was deferred.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tftpGet } from '../helpers/tftp-client.js';

const wait = { timeout: 60_000 };
const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-ui-admission-'));
let s: TestServer;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

before(async () => {
  const fw = path.join(dir, 'firmware');
  mkdirSync(fw, { recursive: true });
  writeFileSync(path.join(fw, 'start4.elf'), Buffer.alloc(50_000, 1));
  const config = path.join(dir, 'config.json');
  // holdSeconds 0: the second board gets ERROR 0 at once rather than silence (the hold has its own test in test/core/admission.test.ts).
  writeFileSync(config, JSON.stringify({ admission: { minBoards: 1, maxBoards: 1, initialBoards: 1, idleSeconds: 600, slotSeconds: 600, holdSeconds: 0 } }));
  s = await startTestServer({ config, 'no-tftp': false, tftp: '127.0.0.1:0', 'firmware-dir': fw, 'data-dir': path.join(dir, 'data') }, { dataDir: path.join(dir, 'data') });
  chromium = await launchChromium();
  page = await (await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(60_000);
});
after(async () => {
  await chromium?.close();
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a board admission holds back is deferred in the rack view, the one with the slot is not', async () => {
  const get = (p: string) => tftpGet({ host: '127.0.0.1', port: s.running.tftp[0]!.port, path: p, options: { tsize: '0', blksize: '1024' }, earlyTerminate: 'oack' });
  assert.equal((await get('aaaa0011/start4.elf')).error, null, 'the first board has the slot');
  assert.equal((await get('bbbb0012/start4.elf')).error?.code, 0, 'the second is turned away');
  const id = (serial: string) => s.api('GET', `/api/v1/nodes/${serial}`).then((r) => r.body.id as string);
  const [first, second] = [await id('aaaa0011'), await id('bbbb0012')];

  await page.goto(`${s.url}/ui/`);
  await page.fill('input[name=token]', s.token);
  await page.click('form.login button[type=submit]');
  const row = (nodeId: string) => page.locator(`.rack-row[data-node-id="${nodeId}"]`);
  await row(second).locator('.c-health', { hasText: 'deferred' }).waitFor(wait);
  assert.equal(await row(second).locator('.c-health').textContent(), 'deferred (waiting for a boot slot, place 1 in the queue)');
  assert.match((await row(second).locator('.c-health').getAttribute('class')) ?? '', /\bh-deferred\b/);
  assert.equal(await row(first).locator('.c-health').textContent(), 'ok', 'the board with the slot is not deferred');
  // The deferral event (written after a second of waiting) marks the row.
  await row(second).locator('.c-event', { hasText: 'boot deferred (place 1)' }).waitFor(wait);
  const options = await page.locator('select[aria-label=health]').locator('option').allTextContents();
  assert.ok(options.includes('deferred'), `the health filter offers deferred: ${options.join(', ')}`);
});
