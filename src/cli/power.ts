// `bootherd nodes power NODE on|off|cycle|status`: a node's power through the admin API.
import type { ClientConfig } from '../config.js';
import { callApi } from './client.js';
import { UsageError } from './usage.js';

const actions: Record<string, string> = { on: 'power-on', off: 'power-off', cycle: 'power-cycle' };

/** Runs `nodes power NODE OP`; returns the text to print. */
export async function runNodePower(cfg: ClientConfig, ref: string | undefined, op: string | undefined, json: boolean): Promise<string> {
  if (!ref || !op || !(op in actions || op === 'status')) throw new UsageError('nodes power: usage: bootherd nodes power NODE on|off|cycle|status');
  const node = encodeURIComponent(ref);
  if (op === 'status') {
    const r = (await callApi(cfg, 'GET', `/api/v1/nodes/${node}/power`)) as { controller: string; port: string; state: string; detail: string };
    return json ? JSON.stringify(r, null, 2) : `${ref}: power ${r.state} (${r.controller} port ${r.port}): ${r.detail}`;
  }
  const r = (await callApi(cfg, 'POST', `/api/v1/nodes/${node}/actions/${actions[op]}`)) as { delivery: string; detail: string; power?: { outcome: string; durationMs: number } };
  if (json) return JSON.stringify(r, null, 2);
  return r.power ? `${ref}: ${op} ${r.power.outcome} in ${r.power.durationMs} ms: ${r.detail}` : `${ref}: ${r.detail}`;
}
