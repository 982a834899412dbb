// The watchdog applies wedge detection (src/domain/wedge.ts) to every node on
// each sweep: it records health changes, and for a wedged node follows its
// policy: notify; retry (power-cycle up to `retries` times with backoff, then
// rescue); rescue. A node still wedged after its rescue is marked unreachable.
// Every step is an event (`wedged`, `power`, `recovered`, `unreachable`).
// With several instances on one store, one sweeps at a time (the store's
// lock `watchdog-sweep`); the others count health from the records, so a
// wedged node is acted on once. Each action is also taken only if its
// compare-and-set on the judged version won.
import { assessNode, effectiveSettings, healths, type Assessment, type EffectiveSettings, type Health } from '../domain/wedge.js';
import { table } from '../domain/lifecycle.js';
import type { Escalation, Node } from '../domain/node.js';
import type { NewEvent } from '../store/store.js';
import { bump, mutateNode } from './deps.js';
import { applyLifecycle, type LifecycleDeps } from './lifecycle-ops.js';

/** What one sweep found and did. */
export interface SweepResult {
  checked: number;
  wedged: number;
  acted: number;
  /** False when another instance held the sweep: this one only counted health as stored. */
  swept: boolean;
}

const sweepPage = 500;
const sweepLock = 'watchdog-sweep';

/** Creates the watchdog; `sweep()` checks once, `start()` checks now and every `watchdog.sweepSeconds`. */
export function createWatchdog(deps: LifecycleDeps) {
  let counts: Record<Health, number> = { ok: 0, booting: 0, wedged: 0, unreachable: 0, deferred: 0 };

  // Stores a change only if nobody changed the node since it was judged (else the next sweep judges it again); true if it did.
  const write = async (node: Node, patch: Partial<Node>, events: NewEvent[]) =>
    (await mutateNode(deps, node.id, (n, at) => (n.version === node.version ? { node: bump(n, patch, at), events } : null))).version !== node.version;

  async function act(node: Node, a: Assessment, s: EffectiveSettings): Promise<boolean> {
    const now = deps.now();
    const at = now.toISOString();
    const esc: Escalation = node.escalation ?? { reason: a.reason!, since: at, attempts: 0, rescued: false, nextAt: null };
    if (esc.nextAt && now.getTime() < Date.parse(esc.nextAt)) return false;
    const wedged = { health: 'wedged' as const, healthReason: a.reason };
    if (s.policy === 'notify' || !deps.power.canControl(node)) {
      if (node.health === 'wedged' && node.healthReason === a.reason) return false;
      const why = s.policy === 'notify' ? 'policy notify' : 'no power driver: an operator must act';
      return write(node, wedged, [{ kind: 'wedged', data: { reason: a.reason, policy: s.policy, action: 'notify', detail: why } }]);
    }
    if (esc.rescued) {
      return write(node, { health: 'unreachable', healthReason: a.reason, escalation: { ...esc, nextAt: null } }, [{ kind: 'unreachable', data: { reason: a.reason, attempts: esc.attempts, detail: 'still wedged after power-cycles and a rescue boot' } }]);
    }
    const backoff = new Date(now.getTime() + s.bootStartSeconds * 1000 * 2 ** esc.attempts).toISOString();
    if (s.policy === 'retry' && esc.attempts < s.retries) {
      const attempt = esc.attempts + 1;
      if (!(await write(node, { ...wedged, escalation: { ...esc, attempts: attempt, nextAt: backoff } }, [{ kind: 'wedged', data: { reason: a.reason, policy: s.policy, action: 'power-cycle', attempt, of: s.retries } }]))) return false;
      await deps.power.run((await deps.store.getNode(node.id)) ?? node, 'cycle', `watchdog: ${a.reason} (attempt ${attempt} of ${s.retries})`);
      return true;
    }
    if (!(await write(node, { ...wedged, escalation: { ...esc, rescued: true, nextAt: backoff } }, [{ kind: 'wedged', data: { reason: a.reason, policy: s.policy, action: 'rescue', attempts: esc.attempts } }]))) return false;
    await rescue(node.id, a);
    return true;
  }

  // Into rescue where the state allows it (the transition's effect power-cycles); a node already there is cycled again.
  async function rescue(id: string, a: Assessment): Promise<void> {
    const node = await deps.store.getNode(id);
    if (!node) return;
    if (table[node.state].rescue) await applyLifecycle(deps, id, { type: 'rescue' }, { patch: { pendingAction: null } });
    else await deps.power.run(node, 'cycle', `watchdog: ${a.reason}: rescue boot`);
  }

  async function judge(node: Node): Promise<{ health: Health; acted: boolean }> {
    const s = effectiveSettings(deps.settings.watchdog, deps.settings.installTimeoutSeconds, node);
    const a = assessNode(node, s, deps.now().getTime());
    if (a.health === 'wedged') {
      if (node.health === 'unreachable') return { health: 'unreachable', acted: false };
      if (a.reason === 'install-silent') return { health: 'wedged', acted: await installSilent(node, s) };
      return { health: 'wedged', acted: await act(node, a, s) };
    }
    const escalated = node.escalation || node.health === 'wedged' || node.health === 'unreachable';
    if (escalated && a.health === 'ok') {
      const acted = await write(node, { health: 'ok', healthReason: null, escalation: null }, [{ kind: 'recovered', data: { reason: node.healthReason ?? node.escalation?.reason ?? null, attempts: node.escalation?.attempts ?? 0 } }]);
      return { health: 'ok', acted };
    }
    if (escalated) return { health: node.health, acted: false };
    if (node.health !== a.health) await write(node, { health: a.health, healthReason: null }, []);
    return { health: a.health, acted: false };
  }

  // A silent install fails (as before wedge detection); where a driver and the policy allow, the node is cycled into its failed hold.
  async function installSilent(node: Node, s: EffectiveSettings): Promise<boolean> {
    const events: NewEvent[] = [{ kind: 'wedged', data: { reason: 'install-silent', policy: s.policy, action: 'fail-install' } }];
    const failed = await applyLifecycle(deps, node.id, { type: 'install-timeout' }, { expectedVersion: node.version, events });
    if (s.policy !== 'notify' && deps.power.canControl(failed)) await deps.power.run(failed, 'cycle', 'watchdog: install-silent: boot the failed hold');
    return true;
  }

  // Sweeps never overlap: one asked for while another runs starts after it.
  let queue: Promise<unknown> = Promise.resolve();
  /** Checks every node once. */
  function sweep(): Promise<SweepResult> {
    const next = queue.then(sweepOnce);
    queue = next.catch(() => undefined);
    return next;
  }

  // Judges every node while this instance holds the sweep; else counts health as the sweeping instance stored it.
  async function sweepOnce(): Promise<SweepResult> {
    const swept = await deps.store.withLock(sweepLock, async (lease) => {
      await deps.power.refresh(); // controllers another instance made or removed since
      // A lock lost half-way (its session broke): the rest is only counted, another instance may be sweeping now.
      return walk((node, next, result) => (lease.signal.aborted ? countInto(node, next, result) : judgeInto(node, next, result)), true);
    }, { wait: false });
    return swept ?? walk(countInto, false);
  }

  async function walk(visit: (node: Node, next: Record<Health, number>, result: SweepResult) => Promise<void> | void, swept: boolean): Promise<SweepResult> {
    const next: Record<Health, number> = { ok: 0, booting: 0, wedged: 0, unreachable: 0, deferred: 0 };
    const result: SweepResult = { checked: 0, wedged: 0, acted: 0, swept };
    // Pages, so that reading 10,000 records never holds the event loop (TFTP, HTTP) for long.
    for (let offset = 0; ; offset += sweepPage) {
      const page = await deps.store.listNodes({ limit: sweepPage, offset });
      for (const node of page) await visit(node, next, result);
      if (page.length < sweepPage) break;
      await new Promise((r) => setImmediate(r));
    }
    counts = next;
    return result;
  }

  function countInto(node: Node, next: Record<Health, number>, result: SweepResult): void {
    result.checked++;
    next[node.health]++;
    if (node.health === 'wedged' || node.health === 'unreachable') result.wedged++;
  }

  async function judgeInto(node: Node, next: Record<Health, number>, result: SweepResult): Promise<void> {
    result.checked++;
    try {
      const r = await judge(node);
      next[r.health]++;
      if (r.health === 'wedged' || r.health === 'unreachable') result.wedged++;
      if (r.acted) result.acted++;
    } catch (err) {
      next[node.health]++;
      deps.logger.warn('watchdog could not handle a node', { node: node.id, err });
    }
  }

  function start(): () => void {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const loop = async () => {
      await sweep().catch((err: unknown) => deps.logger.error('watchdog sweep failed', { err }));
      if (!stopped) (timer = setTimeout(() => void loop(), deps.settings.watchdog.sweepSeconds * 1000)).unref();
    };
    void loop();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Nodes by health as of the last sweep (every stored health present; deferred is live, in the admission metrics). */
  const healthCounts = () => healths.filter((h) => h !== 'deferred').map((h) => ({ labels: { health: h }, value: counts[h] }));

  return { sweep, start, healthCounts };
}
