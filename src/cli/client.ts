// A small client for the admin API used by the `nodes` and `render` commands.
import type { ClientConfig } from '../config.js';

/** An API answer that was not 2xx, with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** Calls the API; returns the parsed JSON (or raw bytes with `raw`). */
export async function callApi(cfg: ClientConfig, method: string, path: string, body?: unknown, raw = false): Promise<unknown> {
  if (!cfg.token) throw new ApiError(0, `no admin token: pass --admin-token, set BOOTHERD_ADMIN_TOKEN, or run where ${cfg.tokenFile} is readable`);
  let res: Response;
  try {
    res = await fetch(cfg.url + path, {
      method,
      headers: { authorization: `Bearer ${cfg.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError(0, `cannot reach bootherd at ${cfg.url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    let parsed: { message?: string; issues?: Array<{ path: string; message: string }> } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // not JSON: use the status line
    }
    throw new ApiError(res.status, parsed.message ?? `HTTP ${res.status}`, parsed.issues ?? []);
  }
  if (raw) return Buffer.from(await res.arrayBuffer());
  return res.status === 204 ? null : await res.json();
}
