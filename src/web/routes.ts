// The dashboard (DESIGN §11): static files under src/web/static/ served at
// /ui/ exactly as they are in the repo (no bundler), and the login routes
// under /api/v1/session that exchange the admin token for a session cookie.
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { packageRoot } from '../paths.js';
import { parseWith } from '../http/errors.js';
import { createSessions, sessionCookie, type Session, type Sessions } from './session.js';

/** Where the dashboard's files are, found from the package root (tsc does not copy them into dist/). */
export const dashboardDir = path.join(packageRoot, 'src', 'web', 'static');

/** The path the dashboard is served at. */
export const dashboardPath = '/ui/';

/** POST /api/v1/session body. */
export const loginBody = z.strictObject({ token: z.string().min(1).max(1024) });

// The page loads only its own files; nothing inline, nothing from elsewhere.
const securityHeaders = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function setCookie(req: Request, res: Response, value: string, maxAgeSeconds: number): void {
  const secure = req.secure ? '; Secure' : '';
  res.append('set-cookie', `${sessionCookie}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

const answer = (s: Session) => ({ csrfToken: s.csrfToken, expiresAt: s.expiresAt.toISOString() });

/** Creates the session registry and the routes of the dashboard and its login. */
export function createDashboard(deps: { adminToken: string; now: () => Date; sessionHours: number; logger: Logger }): { sessions: Sessions; routes: Router } {
  const sessions = createSessions({ adminToken: deps.adminToken, now: deps.now, hours: deps.sessionHours });
  const r = Router();
  r.post('/api/v1/session', (req, res) => {
    const { token } = parseWith(loginBody, req.body, 'login');
    let s: Session;
    try {
      s = sessions.login(token);
    } catch (err) {
      deps.logger.warn('dashboard login refused: wrong admin token', { client: req.socket.remoteAddress });
      throw err;
    }
    setCookie(req, res, s.id, Math.round(deps.sessionHours * 3600));
    res.set('cache-control', 'no-store').json(answer(s));
  });
  r.get('/api/v1/session', (req, res) => {
    const s = sessions.of(req);
    if (!s) return void res.status(401).json({ error: 'unauthorized', message: 'unauthorized: not logged in' });
    res.set('cache-control', 'no-store').json(answer(s));
  });
  r.delete('/api/v1/session', (req, res) => {
    const s = sessions.of(req);
    if (s) {
      sessions.authorize(req);
      sessions.logout(s.id);
    }
    setCookie(req, res, '', 0);
    res.status(204).end();
  });
  r.get('/', (_req, res) => res.redirect(302, dashboardPath));
  r.get('/ui', (req, res, next) => (req.path === '/ui' ? res.redirect(301, dashboardPath) : next()));
  r.use(dashboardPath, (_req, res, next) => (res.set(securityHeaders), next()), express.static(dashboardDir, { index: 'index.html', redirect: false, fallthrough: true }));
  return { sessions, routes: r };
}
