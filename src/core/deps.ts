// What every use case gets: the store, a clock, a logger and settings; plus
// the small helpers they share (finding a node by any reference, CAS retry).
import { randomBytes, createHash } from 'node:crypto';
import { NotFoundError, VersionMismatchError } from '../errors.js';
import { normalizeMac, normalizeSerial } from '../domain/identity.js';
import type { Node } from '../domain/node.js';
import type { WatchdogSettings } from '../domain/wedge.js';
import type { Logger } from '../log.js';
import type { NewEvent, Store } from '../store/store.js';
import type { EnrollGate } from './enroll-gate.js';

/** Settings the use cases read. */
export interface CoreSettings {
  agentPollSeconds: number;
  installTimeoutSeconds: number;
  watchdog: WatchdogSettings;
  /** OpenSSH public-key lines the rescue system's SSH server accepts. */
  rescueKeys: string[];
  /** When set, an assignment whose plan can serve no kernel from the image or this dir is refused. */
  firmwareDir?: string;
  assetsDir?: string;
}

/** The dependencies of every core service. */
export interface CoreDeps {
  store: Store;
  now: () => Date;
  logger: Logger;
  settings: CoreSettings;
  /** Limits on enrollment by boot requests; bootherd always wires one (tests may leave it out). */
  enrollGate?: EnrollGate;
}

/** A fresh random token (URL- and cmdline-safe). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The stored form of an agent token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Finds a node by id, serial (8 or 16 hex), MAC or hostname; NotFoundError otherwise. */
export async function resolveNode(store: Store, ref: string): Promise<Node> {
  const serial = normalizeSerial(ref);
  const mac = normalizeMac(ref.trim());
  const node =
    (await store.getNode(ref)) ??
    (serial ? await store.findNode({ serial }) : null) ??
    (mac ? await store.findNode({ mac }) : null) ??
    (ref.length <= 253 ? await store.findNode({ hostname: ref.toLowerCase() }) : null);
  if (!node) throw new NotFoundError(`node ${ref}: not found`);
  return node;
}

/** Reads a node, applies `change` and stores it with compare-and-set, retrying a few times when another writer won. */
export async function mutateNode(deps: CoreDeps, id: string, change: (node: Node, at: string) => { node: Node; events: NewEvent[] } | null): Promise<Node> {
  for (let attempt = 0; ; attempt++) {
    const node = await deps.store.getNode(id);
    if (!node) throw new NotFoundError(`node ${id}: not found`);
    const at = deps.now().toISOString();
    const result = change(node, at);
    if (!result) return node;
    try {
      return await deps.store.updateNode(result.node, node.version, result.events, at);
    } catch (err) {
      if (!(err instanceof VersionMismatchError) || attempt >= 8) throw err;
    }
  }
}

/** `node` with `patch` applied and its version bumped. */
export function bump(node: Node, patch: Partial<Node>, at: string): Node {
  return { ...node, ...patch, version: node.version + 1, updatedAt: at };
}
