// The discovery agent, as discovery-image/agent.sh behaves: post the
// inventory until bootherd answers with a node id and an agent token, carry
// out a non-hold next action at once, then poll /agent/next: hold (heartbeat,
// wait pollSeconds), reboot, poweroff, install, rescue. Failures back off 1,
// 2, 4 ... 30 s with up to 25 % jitter; 5 failed polls in a row enroll again.
import { hang } from './clock.js';
import type { BoardHttp } from './http-client.js';
import { installImage } from './install.js';
import { buildInventory, rescueHostKey } from './inventory.js';
import type { BoardContext } from './types.js';

/** How an agent session ends. */
export type AgentEnd = 'reboot' | 'poweroff';

interface Session {
  url: string;
  bootToken: string | null;
  agentToken: string;
  nodeId: string;
  backoff: number;
  rescueReported: boolean;
}

const idPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const tokenPattern = /^[A-Za-z0-9._~+/=-]{1,512}$/;

/** Runs the agent of a discovery, install or rescue boot until bootherd says reboot or poweroff. */
export async function runAgent(ctx: BoardContext, http: BoardHttp, args: Map<string, string>): Promise<AgentEnd> {
  const url = args.get('bootherd.url')?.replace(/\/+$/, '');
  ctx.memory.bootToken = args.get('bootherd.token') ?? ctx.memory.bootToken;
  ctx.memory.nodeId = args.get('bootherd.node') ?? ctx.memory.nodeId;
  if (url) ctx.memory.serverUrl = url;
  ctx.record('agent', { mode: args.get('bootherd.mode') ?? 'discovery' });
  if (!url || ctx.spec.misbehave?.neverReport) {
    ctx.record('agent-silent', { why: url ? 'never reports' : 'no bootherd.url' });
    return hang(ctx.signal);
  }
  const s: Session = { url, bootToken: ctx.memory.bootToken, agentToken: '', nodeId: '', backoff: 1, rescueReported: false };
  const first = await discover(ctx, http, s);
  if (first && first.action !== 'hold') {
    const end = await dispatch(ctx, http, s, first);
    if (end === 'reboot' || end === 'poweroff') return end;
  }
  let fails = 0;
  for (;;) {
    const answer = await call(http, 'GET', `${s.url}/api/v1/agent/next`, undefined, s.agentToken);
    const next = answer && typeof answer.action === 'string' ? answer : null;
    const end = next ? await dispatch(ctx, http, s, next) : 'failed';
    if (end === 'reboot' || end === 'poweroff') return end;
    if (end !== 'failed') {
      s.backoff = 1;
      fails = 0;
      continue;
    }
    fails++;
    await backoff(ctx, s);
    if (fails >= 5) {
      await discover(ctx, http, s);
      fails = 0;
    }
  }
}

// POSTs the inventory until a usable answer; returns its next action.
async function discover(ctx: BoardContext, http: BoardHttp, s: Session): Promise<Record<string, unknown> | null> {
  for (;;) {
    const answer = await call(http, 'POST', `${s.url}/api/v1/discovery`, buildInventory(ctx.spec), s.bootToken);
    if (answer && typeof answer.nodeId === 'string' && idPattern.test(answer.nodeId) && typeof answer.token === 'string' && tokenPattern.test(answer.token)) {
      s.nodeId = answer.nodeId;
      s.agentToken = answer.token;
      s.backoff = 1;
      ctx.memory.nodeId = s.nodeId;
      ctx.memory.agentToken = s.agentToken;
      ctx.record('enrolled', { nodeId: s.nodeId });
      return (answer.next as Record<string, unknown> | undefined) ?? null;
    }
    await backoff(ctx, s);
  }
}

// One action; null when it was carried out and polling goes on, 'failed' for an unknown one.
async function dispatch(ctx: BoardContext, http: BoardHttp, s: Session, a: Record<string, unknown>): Promise<AgentEnd | 'failed' | null> {
  const poll = Math.min(3600, Math.max(1, Number.isInteger(a.pollSeconds) ? (a.pollSeconds as number) : 10)) * 1000;
  switch (a.action) {
    case 'hold':
      await report(ctx, http, s, { kind: 'heartbeat' }, 1);
      await ctx.clock.sleep(poll, ctx.signal);
      return null;
    case 'reboot':
    case 'poweroff':
      ctx.record('agent-action', { action: a.action });
      return a.action;
    case 'install':
      await installImage(ctx, http, a, (body, tries) => report(ctx, http, s, body, tries));
      return null;
    case 'rescue':
      if (!s.rescueReported) s.rescueReported = await reportRescue(ctx, http, s);
      await ctx.clock.sleep(poll, ctx.signal);
      return null;
    default:
      return 'failed';
  }
}

// rescue-ready as bootherd takes it: SSH address and host key, or (older bootherd) the address alone.
async function reportRescue(ctx: BoardContext, http: BoardHttp, s: Session): Promise<boolean> {
  const body = { kind: 'rescue-ready', ssh: `${ctx.spec.address}:22`, hostKey: rescueHostKey() };
  const r = await post(http, s, body);
  const ok = r !== null && r.status < 300 ? true : r?.status === 400 ? (await post(http, s, { kind: 'rescue-ready', address: ctx.spec.address }))?.status === 204 : false;
  ctx.record(ok ? 'rescue-ready' : 'report-failed', { kind: 'rescue-ready' });
  return ok;
}

// Posts one agent report, up to `tries` times with backoff; true when bootherd took it.
async function report(ctx: BoardContext, http: BoardHttp, s: Session, body: Record<string, unknown>, tries: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const r = await post(http, s, body);
    if (r && r.status >= 200 && r.status < 300) {
      s.backoff = 1;
      return true;
    }
    if (i + 1 < tries) await backoff(ctx, s);
  }
  ctx.record('report-failed', { kind: body.kind });
  return false;
}

async function post(http: BoardHttp, s: Session, body: unknown): Promise<{ status: number } | null> {
  try {
    return await http.request('POST', `${s.url}/api/v1/agent/report`, { body: JSON.stringify(body), token: s.agentToken });
  } catch {
    return null;
  }
}

// A JSON call that counts as failed unless 2xx with an object body.
async function call(http: BoardHttp, method: string, url: string, body: unknown, token: string | null): Promise<Record<string, unknown> | null> {
  try {
    const r = await http.request(method, url, { body: body === undefined ? undefined : JSON.stringify(body), token });
    return r.status >= 200 && r.status < 300 && r.json && typeof r.json === 'object' ? (r.json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function backoff(ctx: BoardContext, s: Session): Promise<void> {
  const ms = s.backoff * 1000 + ctx.net.rng() * s.backoff * 250;
  s.backoff = Math.min(30, s.backoff * 2);
  await ctx.clock.sleep(ms, ctx.signal);
}
