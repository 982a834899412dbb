// `bootherd demo`: a simulated rack booted by a real bootherd in this process,
// shown live, ending with a summary; then bootherd keeps running for a look
// around until Ctrl-C, or (`--once`) stops with 0 only if everything went as
// meant. Ctrl-C at any point stops the boards and servers and removes the
// temporary directory.
import { rmSync } from 'node:fs';
import { startDemoRack, type DemoRack } from '../sim/demo-rack.js';
import { runDemoScenario } from '../sim/demo-scenario.js';
import type { DemoSummary } from '../sim/demo-summary.js';
import type { Io } from './command.js';
import { formatDemoSummary, formatExplore } from './demo-report.js';
import { startDemoView, type DemoView } from './demo-view.js';

/** What the command line asked for. */
export interface DemoOptions {
  boards: number;
  once: boolean;
  json: boolean;
  timeScale: number;
}

/** Resolves when the signal aborts. */
const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Runs the demo; resolves to the exit code (130 when interrupted before the summary). */
export async function runDemo(o: DemoOptions, io: Io): Promise<number> {
  const ctl = new AbortController();
  let rack: DemoRack | null = null;
  let view: DemoView | null = null;
  let interrupts = 0;
  // The first Ctrl-C stops everything in order; a second one does not wait for that.
  const onSignal = () => {
    if (++interrupts > 1) {
      if (rack) rmSync(rack.dir, { recursive: true, force: true });
      process.exit(130);
    }
    ctl.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Progress goes where the summary does not, when the summary is JSON.
  const progress = o.json ? process.stderr : process.stdout;
  const say = (s: string) => void progress.write(`${s}\n`);
  let summary: DemoSummary | null = null;
  try {
    say(`bootherd demo: ${o.boards} simulated boards (time scale ${o.timeScale}) against a bootherd on loopback; Ctrl-C stops it`);
    rack = await startDemoRack({ boards: o.boards, timeScale: o.timeScale });
    ctl.signal.throwIfAborted();
    const url = rack.server.url;
    say(`bootherd: ${url} (data in ${rack.dataDir})`);
    view = startDemoView({ url, token: rack.server.adminToken, tty: progress.isTTY === true, write: (s) => void progress.write(s), rows: () => progress.rows, title: `bootherd demo: ${o.boards} simulated boards on ${url} (Ctrl-C stops it)` });
    summary = await runDemoScenario(rack, { signal: ctl.signal, onStep: (s) => view!.step(s) });
    await view.stop();
    view = null;
    if (o.json) io.out(JSON.stringify(summary, null, 2));
    else io.out(`\n${formatDemoSummary(summary)}`);
    if (o.once) return summary.ok ? 0 : 1;
    const example = summary.boards.find((b) => b.role === null && b.hostname)?.hostname ?? null;
    say(formatExplore({ url, token: rack.server.adminToken, dataDir: rack.dataDir, dir: rack.dir, example }));
    await aborted(ctl.signal);
    return 0;
  } catch (err) {
    if (ctl.signal.aborted) return summary ? 0 : 130;
    throw err;
  } finally {
    await view?.stop();
    if (ctl.signal.aborted && rack) say(`stopping: boards off, bootherd stopped, ${rack.dir} removed`);
    await rack?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
