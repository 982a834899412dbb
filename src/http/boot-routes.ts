// Boot files over HTTP: `GET /boot/<serial-or-mac>/<file>` for booting nodes
// (the same tree as TFTP, with Content-Length and Range, streamed), and the
// byte-exact preview the admin API offers.
import { Router, type RequestHandler, type Response } from 'express';
import { normalizeMac, macToPrefix } from '../domain/identity.js';
import type { BootFile, BootFileResolver } from '../core/boot-files.js';
import type { BootTelemetry } from '../core/boot-telemetry.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { clientIp } from './auth.js';

const chunk = 64 * 1024;

// Waits for 'drain' or 'close', whichever comes first, and removes both listeners:
// a listener left behind per wait adds up to a MaxListenersExceededWarning on large files.
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Streams `file` (or the byte range asked for) to `res`; resolves to the bytes sent. */
export async function sendBootFile(res: Response, file: BootFile, range: string | undefined): Promise<number> {
  let start = 0;
  let end = file.size - 1;
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (range && m && (m[1] || m[2])) {
    start = m[1] ? Number(m[1]) : Math.max(0, file.size - Number(m[2]));
    end = m[1] && m[2] ? Math.min(Number(m[2]), file.size - 1) : file.size - 1;
    if (start > end || start >= file.size) {
      res.status(416).set('Content-Range', `bytes */${file.size}`).end();
      return 0;
    }
    res.status(206).set('Content-Range', `bytes ${start}-${end}/${file.size}`);
  }
  res.set({ 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - start + 1), 'Accept-Ranges': 'bytes' });
  const reader = await file.open();
  let sent = 0;
  try {
    for (let off = start; off <= end && !res.destroyed; off += chunk) {
      const buf = await reader.read(off, Math.min(chunk, end - off + 1));
      sent += buf.length;
      if (!res.write(buf)) await drained(res);
    }
  } finally {
    await reader.close();
  }
  res.end();
  return sent;
}

/** Node-facing boot-file routes (mounted at the root). */
export function createBootRoutes(deps: { resolver: BootFileResolver; telemetry: BootTelemetry; bootNetwork: RequestHandler }): Router {
  const r = Router();
  r.get('/boot/:ident/*file', deps.bootNetwork, async (req, res) => {
    const ident = String(req.params.ident).toLowerCase();
    const mac = normalizeMac(ident);
    const prefix = /^[0-9a-f]{8}$/.test(ident) ? ident : mac ? macToPrefix(mac) : null;
    if (!prefix) throw new ValidationError('boot path: the first segment must be a Pi serial (8 hex digits) or a MAC address');
    const rest = (req.params.file as unknown as string[]).join('/');
    const resolved = await deps.resolver.resolve({ path: `${prefix}/${rest}`, clientIp: clientIp(req), via: 'http' });
    if (!resolved.file) throw new NotFoundError(`boot file ${rest}: not found for this node`);
    const size = resolved.file.size;
    const sent = await sendBootFile(res, resolved.file, req.get('range'));
    if (resolved.node) await deps.telemetry.record({ nodeId: resolved.node.id, file: rest, outcome: sent === size ? 'complete' : 'early-terminate', bytes: sent, clientIp: clientIp(req), via: 'http' });
  });
  return r;
}
