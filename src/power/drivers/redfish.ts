// BMCs over Redfish: ComputerSystem.Reset with ResetType On | ForceOff |
// ForceRestart, status from PowerState; HTTP basic auth. The node's port is
// the ComputerSystem id, or `default` for the service's only system.
import { z } from 'zod';
import { PowerDeviceError, type DriverDeps, type PowerDriver, type PowerState, type PowerTarget } from '../power.js';
import { secretSchema } from '../secret.js';
import { timeoutMs } from './params.js';

/** Params of a redfish controller. */
export const redfishParams = z.strictObject({
  url: z.string().max(2000).regex(/^https?:\/\/[^\s/?#]+\/?$/, { message: 'must be the service origin, e.g. https://10.0.0.5 (no path)' }),
  username: z.string().min(1).max(64),
  password: secretSchema,
  timeoutMs: timeoutMs(15_000),
});
/** Parsed redfish params. */
export type RedfishParams = z.infer<typeof redfishParams>;

/** The secret fields of redfish params. */
export const redfishSecrets = ['password'];

type Json = Record<string, unknown>;

/** Creates a redfish driver. */
export function createRedfishDriver(params: RedfishParams, deps: DriverDeps): PowerDriver {
  const origin = params.url.replace(/\/$/, '');
  const where = `redfish ${deps.name} (${origin})`;
  const auth = () => 'Basic ' + Buffer.from(`${params.username}:${params.password.reveal()}`).toString('base64');

  async function request(method: 'GET' | 'POST', path: string, body?: Json): Promise<Json> {
    let res: Response;
    try {
      res = await fetch(origin + path, {
        method,
        headers: { authorization: auth(), accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(params.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new PowerDeviceError(`${where}: ${method} ${path}: ${e.name === 'TimeoutError' ? `no answer within ${params.timeoutMs} ms` : (e.cause?.code ?? e.message)}`, { cause: err });
    }
    const text = (await res.text()).slice(0, 64 * 1024);
    let json: Json = {};
    try {
      json = text ? (JSON.parse(text) as Json) : {};
    } catch {
      // not JSON: the status says enough
    }
    if (res.status === 401 || res.status === 403) throw new PowerDeviceError(`${where}: ${method} ${path}: authentication refused (HTTP ${res.status})`);
    if (!res.ok) throw new PowerDeviceError(`${where}: ${method} ${path}: HTTP ${res.status}${redfishMessage(json)}`);
    return json;
  }

  async function systemPath(t: PowerTarget): Promise<string> {
    if (t.port !== 'default') {
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(t.port)) throw new PowerDeviceError(`${where}: port '${t.port}' is not a ComputerSystem id`);
      return `/redfish/v1/Systems/${t.port}`;
    }
    const members = (await request('GET', '/redfish/v1/Systems')).Members as Array<{ '@odata.id'?: string }> | undefined;
    const only = members?.length === 1 ? members[0]?.['@odata.id'] : undefined;
    if (!only?.startsWith('/redfish/v1/Systems/')) throw new PowerDeviceError(`${where}: port 'default' needs exactly one ComputerSystem, the service lists ${members?.length ?? 0}`);
    return only.replace(/\/$/, '');
  }

  async function reset(t: PowerTarget, type: 'On' | 'ForceOff' | 'ForceRestart'): Promise<string> {
    const sys = await systemPath(t);
    const doc = await request('GET', sys);
    const action = (doc.Actions as Json | undefined)?.['#ComputerSystem.Reset'] as { target?: string } | undefined;
    const target = action?.target ?? `${sys}/Actions/ComputerSystem.Reset`;
    if (!target.startsWith('/redfish/v1/')) throw new PowerDeviceError(`${where}: the Reset action target ${JSON.stringify(target)} is not a path of this service`);
    await request('POST', target, { ResetType: type });
    return `${where}: ${sys} ResetType ${type} accepted`;
  }

  const stateOf = (doc: Json): PowerState => (doc.PowerState === 'On' ? 'on' : doc.PowerState === 'Off' ? 'off' : 'unknown');
  return {
    kind: 'redfish',
    on: async (t) => ({ done: true, detail: await reset(t, 'On') }),
    off: async (t) => ({ done: true, detail: await reset(t, 'ForceOff') }),
    async cycle(t) {
      // ForceRestart of a system that is off does nothing on many BMCs: switch it on instead.
      const state = stateOf(await request('GET', await systemPath(t)));
      return { done: true, detail: await reset(t, state === 'off' ? 'On' : 'ForceRestart') };
    },
    async status(t) {
      const doc = await request('GET', await systemPath(t));
      return { done: true, state: stateOf(doc), detail: `${where}: PowerState ${String(doc.PowerState ?? 'absent')}` };
    },
  };
}

function redfishMessage(json: Json): string {
  const err = json.error as { message?: string; '@Message.ExtendedInfo'?: Array<{ Message?: string }> } | undefined;
  const msg = err?.['@Message.ExtendedInfo']?.[0]?.Message ?? err?.message;
  return msg ? `: ${String(msg).slice(0, 300)}` : '';
}
