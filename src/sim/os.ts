// What a board runs once its kernel is loaded, read from the command line it
// was served (cmdline.txt or the iPXE kernel line): the discovery image's
// agent (bootherd.mode=), an NFS root, a root on a local disk by PARTUUID;
// or, when network boot stepped aside, its own disk. A deployed OS "mounts"
// its root, is up, and sends heartbeats as boot-templates/rootfs' unit does.
import { hang } from './clock.js';
import type { BoardHttp } from './http-client.js';
import type { BoardContext } from './types.js';

/** What the kernel command line says to run. */
export type OsPlan =
  | { kind: 'agent'; mode: string; args: Map<string, string> }
  | { kind: 'nfs-root'; server: string; path: string }
  | { kind: 'usb-root'; partuuid: string }
  | { kind: 'local' }
  | { kind: 'panic'; reason: string };

/** Splits a kernel command line into key=value words (a bare word maps to ''). */
export function parseCmdline(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of line.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    out.set(eq < 0 ? word : word.slice(0, eq), eq < 0 ? '' : word.slice(eq + 1));
  }
  return out;
}

/** Decides what the kernel runs. */
export function osFor(cmdline: string): OsPlan {
  const args = parseCmdline(cmdline);
  const mode = args.get('bootherd.mode');
  if (mode !== undefined || args.has('bootherd.url')) return { kind: 'agent', mode: mode ?? 'discovery', args };
  const root = args.get('root');
  if (root === '/dev/nfs') {
    const m = /^([^:,\s]+):(\/[^,\s]*)/.exec(args.get('nfsroot') ?? '');
    return m ? { kind: 'nfs-root', server: m[1]!, path: m[2]! } : { kind: 'panic', reason: 'root=/dev/nfs without a usable nfsroot=' };
  }
  const part = root ? /^PARTUUID=([0-9a-fA-F-]+)$/.exec(root) : null;
  if (part) return { kind: 'usb-root', partuuid: part[1]!.toLowerCase() };
  return { kind: 'panic', reason: `no root this board can mount (root=${root ?? 'none'})` };
}

/** Runs a deployed OS: mounts its root or panics, is up, then heartbeats until power off. */
export async function runDeployedOs(ctx: BoardContext, http: BoardHttp, plan: OsPlan): Promise<never> {
  const why = mountFails(ctx, plan);
  if (why) {
    ctx.record('panic', { reason: why });
    return hang(ctx.signal);
  }
  const m = ctx.memory;
  const canBeat = Boolean(m.serverUrl && m.nodeId && (m.bootToken || m.agentToken));
  ctx.record('os-up', { os: plan.kind, heartbeats: canBeat });
  if (!canBeat) return hang(ctx.signal);
  let retry = 1000;
  for (let sent = 0; ; ) {
    // Read on every round: a board told to misbehave while up (board.misbehave) falls silent at once.
    if (sent >= (ctx.spec.misbehave?.stopHeartbeatsAfter ?? Infinity)) {
      ctx.record('heartbeats-stopped', { after: sent });
      return hang(ctx.signal);
    }
    const ok = await heartbeat(ctx, http);
    if (ok) {
      if (sent === 0) ctx.record('heartbeat-accepted', { with: m.heartbeatWith });
      sent++;
      retry = 1000;
    }
    // Until the first one is taken, try again soon; then at the unit's pace.
    await ctx.clock.sleep(ok || sent > 0 ? ctx.timings.heartbeatMs : (retry = Math.min(retry * 2, ctx.timings.heartbeatMs)), ctx.signal);
  }
}

function mountFails(ctx: BoardContext, plan: OsPlan): string | null {
  if (plan.kind === 'panic') return plan.reason;
  if (plan.kind === 'usb-root' && !ctx.spec.disks.some((d) => d.partitions.some((p) => p.partuuid === plan.partuuid && p.fstype === 'ext4'))) {
    return `VFS: unable to mount root fs on PARTUUID=${plan.partuuid}`;
  }
  if (plan.kind === 'local' && !ctx.spec.disks.some((d) => d.bootable)) return 'no bootable disk';
  return null;
}

// One heartbeat, as the rootfs unit posts it (boot token, nodeId); a bootherd
// that takes only agent tokens for reports gets the agent token instead.
async function heartbeat(ctx: BoardContext, http: BoardHttp): Promise<boolean> {
  const m = ctx.memory;
  const body = JSON.stringify({ kind: 'heartbeat', nodeId: m.nodeId });
  const url = `${m.serverUrl}/api/v1/agent/report`;
  const tryWith = async (token: string | null, as: 'boot-token' | 'agent-token'): Promise<number> => {
    if (!token) return 0;
    const r = await http.request('POST', url, { body, token }).catch(() => ({ status: 0 }));
    if (r.status >= 200 && r.status < 300) m.heartbeatWith = as;
    return r.status;
  };
  const order: Array<'boot-token' | 'agent-token'> = m.heartbeatWith === 'agent-token' ? ['agent-token'] : ['boot-token', 'agent-token'];
  for (const as of order) {
    const status = await tryWith(as === 'boot-token' ? m.bootToken : m.agentToken, as);
    if (status >= 200 && status < 300) return true;
    if (status !== 401 && status !== 403 && status !== 0) return false;
  }
  return false;
}
