// Admin bearer-token check and the boot-network CIDR limit for node-facing routes.
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { inNetworks } from '../net/cidr.js';

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

/** Checks a dashboard session cookie, and its CSRF token on a change; throws Unauthorized/Forbidden when they do not hold. */
export interface SessionCheck {
  authorize(req: Request): void;
}

/** Requires `Authorization: Bearer <admin token>`, or else (without one) a dashboard session cookie when `sessions` is given. */
export function requireAdmin(adminToken: string, sessions?: SessionCheck): RequestHandler {
  const want = Buffer.from(adminToken);
  return (req, _res, next) => {
    const got = bearerOf(req);
    if (!got && sessions && req.get('cookie')) return (sessions.authorize(req), next());
    if (!got) throw new UnauthorizedError('unauthorized: the admin API needs Authorization: Bearer <admin token>');
    const buf = Buffer.from(got);
    if (buf.length === want.length && timingSafeEqual(buf, want)) return next();
    if (/^[0-9a-f-]{36}\./.test(got)) throw new ForbiddenError('forbidden: agent tokens cannot use the admin API');
    throw new UnauthorizedError('unauthorized: wrong admin token');
  };
}

/** Who may use the node-facing routes: the boot networks, and loopback unless it is distrusted. */
export interface BootNetworkPolicy {
  cidrs: string[];
  trustLoopback: boolean;
}

/**
 * Refuses node-facing requests from outside the configured boot networks. Attach it to each
 * node-facing route itself (never by comparing paths), so that every spelling express routes
 * to a handler (any case, a trailing slash) passes through it.
 */
export function requireBootNetwork(policy: BootNetworkPolicy): RequestHandler {
  return (req, _res, next) => {
    if (!inNetworks(clientIp(req), policy.cidrs, policy.trustLoopback)) throw new ForbiddenError('forbidden: this address is outside the configured boot networks');
    next();
  };
}
