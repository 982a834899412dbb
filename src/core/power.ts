// Node power (DESIGN §8): which controller and port switch a node, carrying
// out on/off/cycle through its driver, asking it for status, and recording
// every request as a `power` event { op, controller, outcome, detail, durationMs }.
// A node's power actions are taken one at a time across every instance on
// the store (the store's lock `power:<node id>`), so an off-wait-on cycle
// from one instance is never interleaved with another's.
import type { z } from 'zod';
import { BadGatewayError, ConflictError, ValidationError } from '../errors.js';
import type { Node, NodePowerLink } from '../domain/node.js';
import { powerLinkInput } from '../domain/power-link.js';
import type { PowerDriver, PowerState, PowerTarget } from '../power/power.js';
import { bump, mutateNode, resolveNode, type CoreDeps } from './deps.js';
import type { ControllerRegistry } from './power-controllers.js';

/** A power request as recorded. */
export interface PowerEvent {
  op: 'on' | 'off' | 'cycle';
  controller: string | null;
  port: string | null;
  outcome: 'ok' | 'failed' | 'manual' | 'skipped';
  detail: string;
  durationMs: number;
  reason: string;
}

/** `PUT /api/v1/nodes/:id/power` (null unlinks). */
export const powerLinkSchema = powerLinkInput.nullable();

/** Creates the node power service. */
export function createPowerService(deps: CoreDeps & { controllers: ControllerRegistry }) {
  const targetOf = (node: Node, port: string): PowerTarget => ({ port, node: { id: node.id, hostname: node.hostname, mac: node.hardware.nics.find((n) => n.booted)?.mac ?? node.identity.macs[0] ?? null } });

  /** True if the node has a power link to an existing controller. */
  const canControl = (node: Node): boolean => Boolean(node.power && deps.controllers.driver(node.power.controller));

  // The port to switch: `auto` is looked up in the switch's forwarding table once, then kept.
  async function portOf(node: Node, link: NodePowerLink, driver: PowerDriver): Promise<string> {
    if (link.port !== 'auto') return link.port;
    if (link.resolvedPort) return link.resolvedPort;
    if (!driver.findPort) throw new Error(`controller ${link.controller} cannot look ports up (port auto needs snmp-poe)`);
    const found = await driver.findPort(node.identity.macs);
    if (!found) throw new Error(`port auto: none of ${node.identity.macs.join(', ') || '(no MAC known)'} is in ${link.controller}'s forwarding table`);
    await mutateNode(deps, node.id, (n, at) => (n.power?.controller === link.controller ? { node: bump(n, { power: { ...n.power, resolvedPort: found } }, at), events: [{ kind: 'power-port-found', data: { controller: link.controller, port: found } }] } : null));
    return found;
  }

  /** Carries out `op` on the node's port and records it, holding the node's power lock; never throws for a device's refusal (see `outcome`). */
  const run = (node: Node, op: PowerEvent['op'], reason: string): Promise<PowerEvent> =>
    // The record as it is once the lock is ours: a link or port found meanwhile counts.
    deps.store.withLock(`power:${node.id}`, async () => {
      await deps.controllers.refresh();
      return runLocked((await deps.store.getNode(node.id)) ?? node, op, reason);
    });

  async function runLocked(node: Node, op: PowerEvent['op'], reason: string): Promise<PowerEvent> {
    const link = node.power ?? null;
    const driver = link ? deps.controllers.driver(link.controller) : null;
    const started = Date.now();
    let event: PowerEvent;
    if (!link || !driver) {
      const detail = link ? `power controller ${link.controller} does not exist` : 'no power driver configured for this node';
      event = { op, controller: link?.controller ?? null, port: link?.port ?? null, outcome: 'skipped', detail, durationMs: 0, reason };
    } else {
      let port: string | null = link.port;
      try {
        port = await portOf(node, link, driver);
        const reply = await driver[op](targetOf(node, port));
        event = { op, controller: link.controller, port, outcome: reply.done ? 'ok' : 'manual', detail: reply.detail, durationMs: Date.now() - started, reason };
      } catch (err) {
        event = { op, controller: link.controller, port, outcome: 'failed', detail: (err as Error).message, durationMs: Date.now() - started, reason };
        deps.logger.warn('power request failed', { node: node.id, controller: link.controller, op, detail: event.detail });
      }
    }
    await record(node.id, event);
    return event;
  }

  async function record(id: string, event: PowerEvent): Promise<void> {
    const data = { ...event } as unknown as Record<string, unknown>;
    if (event.outcome !== 'ok') return deps.store.appendEvents(id, [{ kind: 'power', data }], deps.now().toISOString());
    await mutateNode(deps, id, (n, at) => ({ node: bump(n, { lastPower: { op: event.op, at } }, at), events: [{ kind: 'power', data }] }));
  }

  /** Asks the node's device for its power state. */
  async function status(node: Node): Promise<{ controller: string; port: string; state: PowerState; detail: string; durationMs: number }> {
    await deps.controllers.refresh();
    const link = node.power;
    const driver = link ? deps.controllers.driver(link.controller) : null;
    if (!link || !driver) throw new ConflictError(`power status: node ${node.id} has no power driver configured`, 'no-power-driver');
    const started = Date.now();
    try {
      const port = await portOf(node, link, driver);
      const r = await driver.status(targetOf(node, port));
      return { controller: link.controller, port, state: r.state, detail: r.detail, durationMs: Date.now() - started };
    } catch (err) {
      throw new BadGatewayError(`power status: ${(err as Error).message}`, 'power-failed', { controller: link.controller, durationMs: Date.now() - started });
    }
  }

  /** Links a node to a controller's port (null unlinks); `auto` is resolved now where the switch already knows the MAC. */
  async function setLink(ref: string, link: z.infer<typeof powerLinkSchema>): Promise<Node> {
    const node = await resolveNode(deps.store, ref);
    await deps.controllers.refresh();
    if (link) {
      const issue = (path: string, message: string) => new ValidationError(`invalid power link: ${path}: ${message}`, [{ path, message }]);
      const driver = deps.controllers.driver(link.controller);
      if (!driver) throw issue('controller', `no power controller named '${link.controller}'`);
      if (link.port === 'auto' && !driver.findPort) throw issue('port', `auto needs a controller that can look ports up by MAC (snmp-poe), not ${driver.kind}`);
    }
    const stored = await mutateNode(deps, node.id, (n, at) => ({ node: bump(n, { power: link ? { ...link, resolvedPort: null } : null }, at), events: [{ kind: 'power-link', data: { ...(link ?? { controller: null, port: null }) } }] }));
    if (!link || link.port !== 'auto') return stored;
    await portOf(stored, stored.power!, deps.controllers.driver(link.controller)!).catch((err: unknown) => deps.logger.info('port auto not found yet', { node: node.id, err }));
    return (await deps.store.getNode(node.id)) ?? stored;
  }

  /** Looks up a `port: auto` link in the switch's forwarding table now (a rule set it); a miss is logged and retried at first use. */
  async function resolveAuto(node: Node): Promise<Node> {
    const link = node.power;
    const driver = link ? deps.controllers.driver(link.controller) : null;
    if (!link || link.port !== 'auto' || link.resolvedPort || !driver?.findPort) return node;
    await portOf(node, link, driver).catch((err: unknown) => deps.logger.info('port auto not found yet', { node: node.id, err }));
    return (await deps.store.getNode(node.id)) ?? node;
  }

  /** Reads controllers another instance put or removed (call before canControl where it matters). */
  const refresh = () => deps.controllers.refresh();

  return { canControl, refresh, run, status, setLink, resolveAuto };
}

/** The node power service. */
export type PowerService = ReturnType<typeof createPowerService>;
