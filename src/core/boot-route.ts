// The TFTP route into core: a handler that resolves each RRQ to a node's boot
// file, and the end-of-transfer hook that feeds boot telemetry. Shapes match
// src/tftp's TftpHandler/TransferRecord structurally; core does not import it.
import { TooManyRequestsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BootFile, BootFileResolver } from './boot-files.js';
import type { BootRequestRecord, BootTelemetry } from './boot-telemetry.js';

type Client = { address: string; port: number };

/** Creates the TFTP handler and transfer hook. */
export function createTftpRoute(deps: { resolver: BootFileResolver; telemetry: BootTelemetry; logger: Logger }) {
  // Which node each live transfer belongs to, keyed by client and path.
  const owners = new Map<string, { nodeId: string; rest: string }>();
  const key = (c: Client, p: string) => `${c.address}:${c.port}:${p}`;

  async function handler(req: { path: string; client: Client }): Promise<BootFile | null> {
    let r;
    try {
      r = await deps.resolver.resolve({ path: req.path, clientIp: req.client.address, via: 'tftp' });
    } catch (err) {
      // Enrollment refused (rate or cap): no node, and the bootloader moves on as if nothing were here.
      if (err instanceof TooManyRequestsError) return null;
      throw err;
    }
    if (r.node) owners.set(key(req.client, req.path), { nodeId: r.node.id, rest: r.rest });
    return r.file;
  }

  function onTransfer(rec: { path: string; client: Client; outcome: BootRequestRecord['outcome']; bytes: number }): void {
    const owner = owners.get(key(rec.client, rec.path));
    owners.delete(key(rec.client, rec.path));
    if (!owner) return;
    void deps.telemetry.record({ nodeId: owner.nodeId, file: owner.rest, outcome: rec.outcome, bytes: rec.bytes, clientIp: rec.client.address, via: 'tftp' }).catch((err: unknown) => deps.logger.warn('telemetry failed', { err }));
  }

  return { handler, onTransfer };
}
