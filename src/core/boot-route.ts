// The TFTP route into core: a handler that resolves each RRQ to a node's boot
// file (or turns a board away when boot admission defers it), and the
// end-of-transfer hook that feeds boot telemetry and admission's measurements.
// Shapes match src/tftp's TftpHandler/TransferRecord structurally; core does
// not import it.
import { TooManyRequestsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Admission } from './admission.js';
import type { BootFile, BootFileResolver } from './boot-files.js';
import type { BootRequestRecord, BootTelemetry } from './boot-telemetry.js';

type Client = { address: string; port: number };

/** Creates the TFTP handler and transfer hook. */
export function createTftpRoute(deps: { resolver: BootFileResolver; telemetry: BootTelemetry; logger: Logger; admission?: Pick<Admission, 'tftp' | 'started' | 'ended'> }) {
  // Which node each live transfer belongs to (if any), keyed by client and path.
  const owners = new Map<string, { nodeId: string | null; rest: string; token?: number }>();
  const key = (c: Client, p: string) => `${c.address}:${c.port}:${p}`;

  async function handler(req: { path: string; client: Client }): Promise<BootFile | { refuse: string } | null> {
    let r;
    try {
      r = await deps.resolver.resolve({ path: req.path, clientIp: req.client.address, via: 'tftp' });
    } catch (err) {
      // Enrollment refused (rate or cap): no node, and the bootloader moves on as if nothing were here.
      if (err instanceof TooManyRequestsError) return null;
      throw err;
    }
    const refusal = r.node && r.file ? deps.admission?.tftp(r.node, r.rest) : null;
    if (refusal) return refusal;
    const token = r.file ? deps.admission?.started(r.node?.id ?? null, r.rest, r.file.size) : undefined;
    if (r.node || token !== undefined) owners.set(key(req.client, req.path), { nodeId: r.node?.id ?? null, rest: r.rest, token });
    return r.file;
  }

  function onTransfer(rec: { path: string; client: Client; outcome: BootRequestRecord['outcome']; bytes: number }): void {
    const owner = owners.get(key(rec.client, rec.path));
    owners.delete(key(rec.client, rec.path));
    if (owner?.token !== undefined) deps.admission?.ended(owner.token, rec);
    if (!owner?.nodeId) return;
    void deps.telemetry.record({ nodeId: owner.nodeId, file: owner.rest, outcome: rec.outcome, bytes: rec.bytes, clientIp: rec.client.address, via: 'tftp' }).catch((err: unknown) => deps.logger.warn('telemetry failed', { err }));
  }

  return { handler, onTransfer };
}
