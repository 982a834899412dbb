// The demo's verdict: what each board reached beside what it was meant to,
// whether the usb-root switch took, and the wedge's timeline. `ok` holds only
// when all of it did; `bootherd demo --once` exits 0 on exactly that.
import type { DemoRack, DemoRole } from './demo-rack.js';

/** One board at the end. */
export interface DemoBoardResult {
  board: string;
  kind: string;
  port: string;
  role: DemoRole;
  hostname: string | null;
  expected: string;
  /** What the board runs (nfs-root, usb-root, ...), or null when it is not up. */
  reached: string | null;
  state: string | null;
  target: string | null;
  health: string | null;
  ok: boolean;
}

/** The wedge, as bootherd recorded it (ISO times; the seconds are counted from the heartbeats' stop). */
export interface WedgeTimeline {
  hostname: string;
  port: string;
  stoppedAt: string;
  lastHeartbeatAt: string | null;
  reason: string | null;
  detectedAt: string | null;
  powerCycledAt: string | null;
  rescueReadyAt: string | null;
  endRescueAt: string | null;
  backUpAt: string | null;
  rescued: boolean;
  detectedAfterSeconds?: number | null;
  rescueReadyAfterSeconds?: number | null;
  backUpAfterSeconds?: number | null;
}

/** What `bootherd demo` prints at the end (and `--json` as JSON). */
export interface DemoSummary {
  ok: boolean;
  seconds: number;
  boards: DemoBoardResult[];
  usbSwitch: { hostname: string | null; took: boolean; detail: string };
  wedge: WedgeTimeline | null;
  problems: string[];
}

type Api = DemoRack['server']['api'];

const after = (from: string, at: string | null) => (at ? Math.round((Date.parse(at) - Date.parse(from)) / 100) / 10 : null);

/** Judges every board through the API and its own snapshot, and puts the summary together. */
export async function judgeDemo(rack: DemoRack, r: { usbSwitch: DemoSummary['usbSwitch']; timeline: WedgeTimeline | null; problems: string[]; seconds: number; api: Api }): Promise<DemoSummary> {
  const boards = await Promise.all(rack.boards.map(async (b): Promise<DemoBoardResult> => {
    const s = b.board.snapshot();
    const ref = b.board.spec.serial ?? b.board.spec.mac;
    const res = await r.api('GET', `/api/v1/nodes/${ref}`).catch(() => ({ status: 0, body: null }));
    const n = res.status === 200 ? (res.body as { hostname: string | null; state: string; target?: { kind: string } | null; health?: string }) : null;
    const reached = s.upAt !== null ? s.os : null;
    const ok = reached === b.expected && n?.state === 'deployed' && n.target?.kind === b.expected;
    return { board: s.name, kind: b.board.spec.kind, port: b.port, role: b.role, hostname: n?.hostname ?? null, expected: b.expected, reached, state: n?.state ?? null, target: n?.target?.kind ?? null, health: n?.health ?? null, ok };
  }));
  const problems = [...r.problems];
  for (const b of boards) if (!b.ok) problems.push(`${b.hostname ?? b.board}: expected ${b.expected}, reached ${b.reached ?? 'nothing'} (bootherd: ${b.state ?? 'no node'}/${b.target ?? '-'})`);
  const t = r.timeline;
  const wedge = t ? { ...t, detectedAfterSeconds: after(t.stoppedAt, t.detectedAt), rescueReadyAfterSeconds: after(t.stoppedAt, t.rescueReadyAt), backUpAfterSeconds: after(t.stoppedAt, t.backUpAt) } : null;
  const ok = problems.length === 0 && r.usbSwitch.took && Boolean(wedge?.rescued && wedge.backUpAt);
  return { ok, seconds: Math.round(r.seconds * 10) / 10, boards, usbSwitch: r.usbSwitch, wedge, problems: [...new Set(problems)] };
}
