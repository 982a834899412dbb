// Admin bearer-token check and the boot-network CIDR limit for node-facing routes.
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { inNetworks } from '../net/cidr.js';

/** CIDR matching now lives in src/net/cidr.ts; re-exported for the HTTP routes. */
export { inNetworks };

/** The bearer token of a request, or null. */
export function bearerOf(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1] ?? null;
}

/** The client's IPv4/IPv6 address as a plain string (IPv4-mapped IPv6 unwrapped). */
export function clientIp(req: Request): string | null {
  const a = req.socket.remoteAddress ?? null;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Requires `Authorization: Bearer <admin token>`. */
export function requireAdmin(adminToken: string): RequestHandler {
  const want = Buffer.from(adminToken);
  return (req, _res, next) => {
    const got = bearerOf(req);
    if (!got) throw new UnauthorizedError('unauthorized: the admin API needs Authorization: Bearer <admin token>');
    const buf = Buffer.from(got);
    if (buf.length === want.length && timingSafeEqual(buf, want)) return next();
    if (/^[0-9a-f-]{36}\./.test(got)) throw new ForbiddenError('forbidden: agent tokens cannot use the admin API');
    throw new UnauthorizedError('unauthorized: wrong admin token');
  };
}

/** Refuses node-facing requests from outside the configured boot networks. */
export function requireBootNetwork(cidrs: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!inNetworks(clientIp(req), cidrs)) throw new ForbiddenError('forbidden: this address is outside the configured boot networks');
    next();
  };
}
