// npm run bench:rack — the dashboard's rack view in Debian's Chromium at
// 1,000 nodes beside the same page at 10 nodes (the reference), paired rounds,
// medians: time from navigation to the rack drawn (counts and first rows),
// JS heap after a GC, DOM nodes, and the time to draw the last rows after a
// jump to the bottom of the list.
// Options: --nodes N (1000), --reference R (10), --rounds K (5), --verbose (each request's timing).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.js';
import { startServe, type ServeProcess } from '../test/helpers/process.js';
import { seedDatabase } from '../test/helpers/seed.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1000' }, reference: { type: 'string', default: '10' }, rounds: { type: 'string', default: '5' }, verbose: { type: 'boolean', default: false } } });
const sizes = [Number(values.reference), Number(values.nodes)];
const rounds = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function server(count: number): Promise<{ srv: ServeProcess; token: string; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-rack-'));
  await seedDatabase(path.join(dir, 'bootherd.db'), count);
  const srv = await startServe(['--data-dir', dir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  return { srv, token: readFileSync(path.join(dir, 'admin-token'), 'utf8').trim(), dir };
}

async function measure(browser: Browser, s: { srv: ServeProcess; token: string }, count: number) {
  const login = await fetch(`${s.srv.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: s.token }) });
  const cookie = /bootherd_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: 'bootherd_session', value: cookie, url: s.srv.url }]);
  const page = await context.newPage();
  await page.goto(`${s.srv.url}/ui/`);
  await page.locator('.counts [data-state=all]', { hasText: `all ${count}` }).waitFor({ timeout: 120_000 });
  await page.locator('.rack-row').first().waitFor({ timeout: 120_000 });
  const loadMs = await page.evaluate(() => performance.getEntriesByName('rack-drawn')[0]?.startTime ?? NaN);
  if (values.verbose) console.log(await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => `${e.name.replace(location.origin, '')} ${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)}`).join('\n')));
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const scrollMs = await page.evaluate(() => new Promise<number>((resolve) => {
    const list = document.querySelector('.rack-list')!;
    const t0 = performance.now();
    list.scrollTop = list.scrollHeight;
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  }));
  const rows = await page.locator('.rack-row').count();
  await context.close();
  return { loadMs, heapMiB: (metrics.JSHeapUsedSize ?? NaN) / 1048576, domNodes: metrics.Nodes ?? NaN, scrollMs, rows };
}

async function main(): Promise<void> {
  const servers = await Promise.all(sizes.map(server));
  const chromium = await launchChromium();
  try {
    const results = sizes.map(() => [] as Array<Awaited<ReturnType<typeof measure>>>);
    for (let r = 0; r < rounds; r++) for (let i = 0; i < sizes.length; i++) results[i]!.push(await measure(chromium.browser, servers[i]!, sizes[i]!));
    console.log(`bench:rack  Chromium ${chromium.browser.version()} headless, 1280x800, node ${process.version}, ${os.cpus().length} cores; bootherd serve on loopback; ${rounds} paired rounds, medians`);
    const row = (label: string, f: (x: Awaited<ReturnType<typeof measure>>) => number, digits: number) => {
      const [ref, big] = results.map((rs) => median(rs.map(f)));
      console.log(`  ${label.padEnd(34)} ${ref!.toFixed(digits).padStart(8)} at ${sizes[0]} nodes   ${big!.toFixed(digits).padStart(8)} at ${sizes[1]}   ratio ${(big! / ref!).toFixed(2)}`);
    };
    row('load to rack drawn (ms)', (x) => x.loadMs, 0);
    row('JS heap after GC (MiB)', (x) => x.heapMiB, 1);
    row('DOM nodes', (x) => x.domNodes, 0);
    row('jump to the bottom, drawn (ms)', (x) => x.scrollMs, 1);
    row('row elements in the page', (x) => x.rows, 0);
  } finally {
    await chromium.close();
    for (const s of servers) {
      s.srv.proc.kill('SIGTERM');
      await s.srv.exited;
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

void main();
