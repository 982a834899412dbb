// The admin API from the page: the session cookie travels by itself; every
// change carries the session's CSRF token in X-CSRF-Token.

let csrfToken = null;
let onLoggedOut = () => {};

/** An answer that was not 2xx, with the server's message and issues. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? null;
    this.issues = Array.isArray(body?.issues) ? body.issues : [];
  }
}

/** Called when the server says the session is gone (401). */
export function whenLoggedOut(fn) {
  onLoggedOut = fn;
}

/** Calls the API; resolves to the parsed JSON (null for 204). */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
  if (res.status === 401 && path !== '/api/v1/session') onLoggedOut();
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/** Resumes the session the cookie holds; false when there is none. */
export async function resumeSession() {
  try {
    csrfToken = (await api('GET', '/api/v1/session')).csrfToken;
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    throw err;
  }
}

/** Logs in with the admin token. */
export async function login(token) {
  csrfToken = (await api('POST', '/api/v1/session', { token })).csrfToken;
}

/** Logs out. */
export async function logout() {
  await api('DELETE', '/api/v1/session').catch(() => undefined);
  csrfToken = null;
}

/** `issues` of a validation error as "path: message" lines, else the message. */
export function problems(err) {
  if (err instanceof ApiError && err.issues.length) return err.issues.map((i) => `${i.path}: ${i.message}`);
  return [err?.message ?? String(err)];
}
