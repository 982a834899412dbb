// Dashboard sessions (DESIGN §11): the admin token is exchanged once for an
// HttpOnly SameSite=Strict cookie; every change made with that cookie must
// carry the session's CSRF token in X-CSRF-Token. Sessions live in memory
// (bounded): a restart of bootherd logs dashboard users out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

/** The cookie's name. */
export const sessionCookie = 'bootherd_session';

/** A logged-in dashboard session. */
export interface Session {
  id: string;
  csrfToken: string;
  expiresAt: Date;
}

/** The session registry. */
export interface Sessions {
  /** Exchanges the admin token for a new session; UnauthorizedError for a wrong one. */
  login(token: string): Session;
  /** The session the request's cookie names, or null (missing, forged or expired). */
  of(req: Request): Session | null;
  /** Requires a valid session, and the CSRF token on anything but GET/HEAD/OPTIONS. */
  authorize(req: Request): void;
  logout(id: string): void;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const maxSessions = 1000;

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Creates the in-memory session registry. */
export function createSessions(deps: { adminToken: string; now: () => Date; hours: number }): Sessions {
  const sessions = new Map<string, Session>();
  const newId = () => randomBytes(32).toString('base64url');
  const prune = () => {
    const now = deps.now().getTime();
    for (const [id, s] of sessions) if (s.expiresAt.getTime() <= now) sessions.delete(id);
    while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
  };
  const of = (req: Request): Session | null => {
    const id = cookieValue(req.get('cookie'), sessionCookie);
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const s = sessions.get(id);
    if (!s) return null;
    if (s.expiresAt.getTime() > deps.now().getTime()) return s;
    sessions.delete(id);
    return null;
  };
  return {
    login(token) {
      if (typeof token !== 'string' || !same(deps.adminToken, token)) throw new UnauthorizedError('unauthorized: wrong admin token');
      prune();
      const s: Session = { id: newId(), csrfToken: newId(), expiresAt: new Date(deps.now().getTime() + deps.hours * 3600_000) };
      sessions.set(s.id, s);
      return s;
    },
    of,
    authorize(req) {
      const s = of(req);
      if (!s) throw new UnauthorizedError('unauthorized: no valid dashboard session (log in again) and no bearer token');
      if (safeMethods.has(req.method)) return;
      const csrf = req.get('x-csrf-token');
      if (!csrf || !same(s.csrfToken, csrf)) throw new ForbiddenError('forbidden: a change made with the session cookie needs its X-CSRF-Token header');
    },
    logout(id) {
      sessions.delete(id);
    },
  };
}
