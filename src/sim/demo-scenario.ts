// What `bootherd demo` shows, step by step, against the demo rack: every
// board powered on and enrolled by the rule into nfs-root; one node switched
// to usb-root through the API (bootherd power-cycles it through the sim
// controller); one board made to stop its heartbeats, which the watchdog
// finds, power-cycles into rescue, and which comes back after end-rescue.
// Each wait has a deadline: what missed it is a problem in the summary.
import type { DemoBoard, DemoRack } from './demo-rack.js';
import { judgeDemo, type DemoSummary, type WedgeTimeline } from './demo-summary.js';

/** Where the scenario tells what it is doing, and how long any one wait may take. */
export interface ScenarioOptions {
  signal: AbortSignal;
  onStep(text: string): void;
  /** Real ms one wait may take (default 180 s: the machine may be shared). */
  waitMs?: number;
}

type Api = DemoRack['server']['api'];
type ApiNode = { id: string; hostname: string | null; state: string; health?: string; healthReason?: string | null; target?: { kind: string } | null; lastHeartbeatAt?: string | null };
type ApiEvent = { id: number; at: string; kind: string; data: Record<string, unknown> };

/** Waits until `f` gives a value; null when `ms` passed first; throws the signal's reason when aborted. */
export async function waitUntil<T>(f: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms: number, signal: AbortSignal): Promise<T | null> {
  const end = performance.now() + ms;
  for (;;) {
    signal.throwIfAborted();
    const v = await f();
    if (v) return v;
    if (performance.now() >= end) return null;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, 250);
      function done() {
        signal.removeEventListener('abort', done);
        clearTimeout(t);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The API's name for a board's node (serial for a Pi, MAC for an x86 box). */
export const nodeRef = (b: DemoBoard): string => b.board.spec.serial ?? b.board.spec.mac;

const getNode = async (api: Api, b: DemoBoard): Promise<ApiNode | null> => {
  const r = await api('GET', `/api/v1/nodes/${nodeRef(b)}`);
  return r.status === 200 ? (r.body as ApiNode) : null;
};

const eventsOf = async (api: Api, b: DemoBoard, kinds: string): Promise<ApiEvent[]> => {
  const r = await api('GET', `/api/v1/nodes/${nodeRef(b)}/events?kind=${kinds}&order=desc&limit=50`);
  return r.status === 200 ? (r.body.events as ApiEvent[]) : [];
};

/** Up on what it should run, and bootherd agrees: deployed with that target. */
async function isUp(api: Api, b: DemoBoard, os: string): Promise<ApiNode | null> {
  const s = b.board.snapshot();
  if (s.upAt === null || s.os !== os) return null;
  const n = await getNode(api, b);
  return n && n.state === 'deployed' && n.target?.kind === os ? n : null;
}

/** Runs the demo against a started rack; resolves to its summary (problems listed there, not thrown). */
export async function runDemoScenario(rack: DemoRack, o: ScenarioOptions): Promise<DemoSummary> {
  const api = rack.server.api;
  const ms = o.waitMs ?? 180_000;
  const t0 = Date.now();
  const secs = (at: number) => ((at - t0) / 1000).toFixed(1);
  const problems: string[] = [];
  const n = rack.boards.length;
  o.onStep(`power on ${n} boards (${rack.boards.filter((b) => b.board.spec.kind === 'pi5').length} Pi 5, ${rack.boards.filter((b) => b.board.spec.kind === 'x86').length} x86 iPXE, the rest Pi 4) on rack1-power ports 1-${n}: DHCP, TFTP, discovery, then rule rack1 names them and sends them to nfs-root`);
  rack.sim.powerOnAll();
  const allUp = await waitUntil(async () => (await Promise.all(rack.boards.map((b) => isUp(api, b, 'nfs-root')))).every(Boolean), ms, o.signal);
  if (!allUp) problems.push(`not every board came up on nfs-root within ${ms / 1000} s`);
  else o.onStep(`all ${n} boards up on nfs-root, heartbeats flowing, after ${secs(Date.now())} s`);
  const usb = rack.boards.find((b) => b.role === 'usb-switch')!;
  const wedge = rack.boards.find((b) => b.role === 'wedge')!;
  const both = allUp ? await Promise.allSettled([switchToUsb(api, usb, o, ms, problems), makeWedge(rack, wedge, o, ms, problems)]) : null;
  // Interrupted: both branches have settled, so no request of theirs is left in flight.
  o.signal.throwIfAborted();
  for (const r of both ?? []) if (r.status === 'rejected') throw r.reason;
  const usbSwitch = both?.[0].status === 'fulfilled' ? both[0].value : { hostname: null, took: false, detail: 'not tried: the rack did not come up' };
  const timeline = both?.[1].status === 'fulfilled' ? both[1].value : null;
  return judgeDemo(rack, { usbSwitch, timeline, problems, seconds: (Date.now() - t0) / 1000, api });
}

async function switchToUsb(api: Api, b: DemoBoard, o: ScenarioOptions, ms: number, problems: string[]): Promise<DemoSummary['usbSwitch']> {
  const name = (await getNode(api, b))?.hostname ?? nodeRef(b);
  o.onStep(`PUT /api/v1/nodes/${name}/target {"kind":"usb-root","image":"raspios"}: bootherd power-cycles ${name} through rack1-power port ${b.port}, and it boots the root on its USB disk`);
  const r = await api('PUT', `/api/v1/nodes/${name}/target`, { kind: 'usb-root', image: 'raspios' });
  if (r.status !== 200) {
    problems.push(`the usb-root switch of ${name} was refused: ${r.status} ${JSON.stringify(r.body)}`);
    return { hostname: name, took: false, detail: `refused: ${r.status}` };
  }
  const up = await waitUntil(() => isUp(api, b, 'usb-root'), ms, o.signal);
  if (!up) problems.push(`${name} did not come up on usb-root within ${ms / 1000} s`);
  else o.onStep(`${name} up on usb-root (root=PARTUUID=${(r.body.target as { partuuid?: string }).partuuid ?? '?'})`);
  return { hostname: name, took: Boolean(up), detail: up ? 'deployed on usb-root' : 'not up on usb-root' };
}

// Stops the board's heartbeats and follows the watchdog: wedged, power-cycled into rescue, rescue-ready; then end-rescue and back up.
async function makeWedge(rack: DemoRack, b: DemoBoard, o: ScenarioOptions, ms: number, problems: string[]): Promise<WedgeTimeline> {
  const api = rack.server.api;
  const name = (await getNode(api, b))?.hostname ?? nodeRef(b);
  const w = rack.watchdog;
  const stoppedAt = Date.now();
  b.board.misbehave({ stopHeartbeatsAfter: 0 });
  o.onStep(`${name} stops sending heartbeats (a wedge made on purpose); the watchdog sweeps every ${w.sweepSeconds} s, calls a node silent for ${w.heartbeatSeconds} s wedged, and its policy is ${w.policy}`);
  const tl: WedgeTimeline = { hostname: name, port: b.port, stoppedAt: new Date(stoppedAt).toISOString(), lastHeartbeatAt: null, reason: null, detectedAt: null, powerCycledAt: null, rescueReadyAt: null, endRescueAt: null, backUpAt: null, rescued: false };
  const problem = await followWatchdog(api, b, tl, o, ms) ?? await endRescue(api, b, tl, o, ms);
  if (problem) problems.push(problem);
  return tl;
}

// The watchdog's part: wedged, power-cycled, and the board in its rescue system. A problem, or null.
async function followWatchdog(api: Api, b: DemoBoard, tl: WedgeTimeline, o: ScenarioOptions, ms: number): Promise<string | null> {
  const name = tl.hostname;
  const stoppedAt = Date.parse(tl.stoppedAt);
  const after = (at: string) => Date.parse(at) >= stoppedAt - 1000;
  const wedged = await waitUntil(async () => (await eventsOf(api, b, 'wedged')).find((e) => after(e.at)), ms, o.signal);
  if (!wedged) return `the watchdog did not find ${name} wedged within ${ms / 1000} s`;
  tl.detectedAt = wedged.at;
  tl.reason = String(wedged.data.reason);
  tl.lastHeartbeatAt = (await getNode(api, b))?.lastHeartbeatAt ?? null;
  o.onStep(`watchdog: ${name} wedged (${tl.reason}) ${since(stoppedAt, wedged.at)} s after its heartbeats stopped; action: ${String(wedged.data.action)}`);
  const cycled = await waitUntil(async () => (await eventsOf(api, b, 'power')).find((e) => after(e.at) && e.data.op === 'cycle' && e.data.outcome === 'ok'), ms, o.signal);
  if (!cycled) return `${name} was not power-cycled within ${ms / 1000} s`;
  tl.powerCycledAt = cycled.at;
  o.onStep(`watchdog: ${name} power-cycled through ${String(cycled.data.controller)} port ${String(cycled.data.port)} into the rescue system`);
  const ready = await waitUntil(async () => (await eventsOf(api, b, 'rescue-ready')).find((e) => after(e.at)), ms, o.signal);
  if (!ready) return `${name} did not report rescue-ready within ${ms / 1000} s`;
  tl.rescueReadyAt = ready.at;
  tl.rescued = true;
  o.onStep(`${name} is in rescue (rescue-ready, ssh ${String(ready.data.ssh)}) ${since(stoppedAt, ready.at)} s after its heartbeats stopped; fixed from the rescue shell`);
  return null;
}

// The operator's part: the fault fixed, end-rescue, and the node back on its target and healthy. A problem, or null.
async function endRescue(api: Api, b: DemoBoard, tl: WedgeTimeline, o: ScenarioOptions, ms: number): Promise<string | null> {
  const name = tl.hostname;
  b.board.misbehave(undefined);
  tl.endRescueAt = new Date().toISOString();
  const end = await api('POST', `/api/v1/nodes/${name}/actions/end-rescue`);
  if (end.status >= 300) return `end-rescue of ${name} was refused: ${end.status} ${JSON.stringify(end.body)}`;
  o.onStep(`POST /api/v1/nodes/${name}/actions/end-rescue: its agent reboots it into nfs-root`);
  const back = await waitUntil(async () => {
    const n = await isUp(api, b, 'nfs-root');
    return n && n.health === 'ok' ? n : null;
  }, ms, o.signal);
  if (!back) return `${name} did not come back healthy on nfs-root within ${ms / 1000} s`;
  tl.backUpAt = back.lastHeartbeatAt ?? new Date().toISOString();
  o.onStep(`${name} back up on nfs-root and healthy ${since(Date.parse(tl.stoppedAt), tl.backUpAt)} s after its heartbeats stopped`);
  return null;
}

const since = (t: number, at: string): string => ((Date.parse(at) - t) / 1000).toFixed(1);
