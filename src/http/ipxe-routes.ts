// iPXE over HTTP: GET /boot.ipxe (chain script) and GET /ipxe?mac=&uuid=&...
// (the machine's own script). A hostile query is refused and renders nothing.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { normalizeMac, normalizeUuid } from '../domain/identity.js';
import type { IpxeService } from '../core/ipxe.js';
import { clientIp } from './auth.js';
import { parseWith } from './errors.js';

const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The /ipxe query as iPXE sends it from the chain script. */
export const ipxeQuerySchema = z.strictObject({
  mac: z.string().transform((s, ctx) => normalizeMac(s) ?? (ctx.addIssue({ code: 'custom', message: 'not a MAC address' }), z.NEVER)),
  uuid: z.string().optional().transform((s, ctx) => {
    if (!s) return null;
    // Whitespace or control characters are an attack; other junk is firmware that cannot report a UUID.
    if (/[\s\x00-\x1f\x7f]/.test(s)) return (ctx.addIssue({ code: 'custom', message: 'not a UUID' }), z.NEVER);
    return uuidRe.test(s) ? normalizeUuid(s) : null;
  }),
  serial: z.string().regex(/^[\x20-\x7e]{0,64}$/, { message: 'must be at most 64 printable characters' }).optional(),
  buildarch: z.enum(['', 'i386', 'x86_64', 'arm32', 'arm64', 'riscv32', 'riscv64']).optional().transform((s) => s || null),
  platform: z.enum(['', 'pcbios', 'efi']).optional().transform((s) => (s || null) as 'pcbios' | 'efi' | null),
});

/** The iPXE routes (mounted at the root). */
export function createIpxeRoutes(deps: { ipxe: IpxeService; bootNetwork: RequestHandler }): Router {
  const r = Router();
  const bootNet = deps.bootNetwork;
  r.get('/boot.ipxe', bootNet, (_req, res) => void res.type('text/plain').send(deps.ipxe.chain()));
  r.get('/ipxe', bootNet, async (req, res) => {
    const q = parseWith(ipxeQuerySchema, req.query, 'iPXE query');
    const { text } = await deps.ipxe.script({ mac: q.mac, uuid: q.uuid, buildarch: q.buildarch, platform: q.platform }, clientIp(req));
    res.type('text/plain').send(text);
  });
  return r;
}
