// iPXE: the chain script, and each machine's own script for its state,
// rendered from boot-templates/ipxe/. An unknown MAC enrolls a `new` node.
import { macToPrefix } from '../domain/identity.js';
import { planFor } from '../domain/boot-plan.js';
import type { Node } from '../domain/node.js';
import type { TemplateRenderer } from '../templates/renderer.js';
import { bump, mutateNode, type CoreDeps } from './deps.js';
import { findOrEnroll } from './enroll.js';
import { renderContext } from './render-context.js';

/** What iPXE tells us about itself (validated by the HTTP layer). */
export interface IpxeQuery {
  mac: string;
  uuid: string | null;
  buildarch: string | null;
  platform: 'pcbios' | 'efi' | null;
}

const archOf: Record<string, string> = { x86_64: 'x86_64', i386: 'i386', arm64: 'aarch64', arm32: 'armv7l', riscv64: 'riscv64' };

/** Creates the iPXE service. */
export function createIpxeService(deps: CoreDeps & { renderer: TemplateRenderer; serverUrl: () => string }) {
  // Remember what iPXE said about the machine, without overwriting inventory facts.
  async function learn(node: Node, q: IpxeQuery, ip: string | null): Promise<Node> {
    const arch = q.buildarch ? (archOf[q.buildarch] ?? null) : null;
    const uuid = !node.identity.uuid && q.uuid && !(await deps.store.findNode({ uuid: q.uuid })) ? q.uuid : null;
    if (node.lastIp === ip && !uuid && (node.hardware.arch || !arch)) return node;
    return mutateNode(deps, node.id, (n, at) => ({
      node: bump(n, { lastIp: ip ?? n.lastIp, lastSeenAt: at, identity: uuid ? { ...n.identity, uuid } : n.identity, hardware: n.hardware.arch || !arch ? n.hardware : { ...n.hardware, arch } }, at),
      events: [],
    }));
  }

  /** The static chain script served at /boot.ipxe. */
  function chain(): string {
    return deps.renderer.render('ipxe/chain.ipxe', { server: { url: deps.serverUrl() } });
  }

  /** The machine's script for its current state; records an `ipxe` event. */
  async function script(q: IpxeQuery, ip: string | null): Promise<{ node: Node; plan: string; text: string }> {
    const found = await findOrEnroll(deps, { mac: q.mac }, { ip, via: 'ipxe' });
    const node = await learn(found.node, q, ip);
    const plan = planFor(node)?.name ?? (node.state === 'retired' ? 'retired' : 'local');
    const context = await renderContext(deps.store, node, plan, deps.serverUrl(), 'vmlinuz');
    const text = deps.renderer.render(`ipxe/${plan}.ipxe`, { ...context, platform: q.platform ?? 'pcbios', buildarch: q.buildarch ?? 'x86_64', boot: { base: `${deps.serverUrl()}/boot/${macToPrefix(q.mac)}` } });
    await deps.store.appendEvents(node.id, [{ kind: 'ipxe', data: { plan, state: node.state, platform: q.platform, buildarch: q.buildarch, ip } }], deps.now().toISOString());
    return { node, plan, text };
  }

  return { chain, script };
}

/** The iPXE service. */
export type IpxeService = ReturnType<typeof createIpxeService>;
