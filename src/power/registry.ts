// Driver kinds -> their param schema, secret fields and factory. A controller
// is `{ name, driver, ...params }`; its params are checked by its driver's own
// schema, and secrets are parsed into Secret values that never show.
import { z } from 'zod';
import type { Issue } from '../errors.js';
import { nameSchema } from '../domain/values.js';
import { commandParams, createCommandDriver } from './drivers/command.js';
import { createIpmiDriver, ipmiParams, ipmiSecrets } from './drivers/ipmi.js';
import { createManualDriver, manualParams } from './drivers/manual.js';
import { createRedfishDriver, redfishParams, redfishSecrets } from './drivers/redfish.js';
import { createSimDriver, simParams } from './drivers/sim.js';
import { createSnmpPoeDriver, snmpPoeParams, snmpPoeSecrets } from './drivers/snmp-poe.js';
import type { DriverDeps, PowerDriver } from './power.js';
import { redacted } from './secret.js';

interface Kind<S extends z.ZodType> {
  params: S;
  secrets: string[];
  create: (params: z.output<S>, deps: DriverDeps) => PowerDriver;
  /** Not offered to operators: usable only with params a file or a request cannot hold (sim). */
  hidden?: boolean;
}
const kind = <S extends z.ZodType>(k: Kind<S>) => k as unknown as Kind<z.ZodType>;

/** Every driver kind bootherd knows. */
export const driverKinds: Record<string, Kind<z.ZodType>> = {
  'snmp-poe': kind({ params: snmpPoeParams, secrets: snmpPoeSecrets, create: createSnmpPoeDriver }),
  ipmi: kind({ params: ipmiParams, secrets: ipmiSecrets, create: createIpmiDriver }),
  redfish: kind({ params: redfishParams, secrets: redfishSecrets, create: createRedfishDriver }),
  command: kind({ params: commandParams, secrets: [], create: createCommandDriver }),
  manual: kind({ params: manualParams, secrets: [], create: createManualDriver }),
  sim: kind({ params: simParams, secrets: [], create: createSimDriver, hidden: true }),
};

/** A controller's name. */
export const controllerNameSchema = nameSchema;

/** A controller with its params parsed (secrets as Secret values). */
export interface ParsedController {
  name: string;
  driver: string;
  params: Record<string, unknown>;
}

const head = z.looseObject({ name: controllerNameSchema, driver: z.string().max(32) });

/** Checks a raw `{ name, driver, ...params }`; answers the parsed controller or every problem. */
export function parseController(raw: unknown): { ok: true; controller: ParsedController } | { ok: false; issues: Issue[] } {
  const h = head.safeParse(raw);
  if (!h.success) return { ok: false, issues: h.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })) };
  const { name, driver, ...rest } = h.data;
  const k = driverKinds[driver];
  if (!k) return { ok: false, issues: [{ path: 'driver', message: `unknown driver '${driver}' (known: ${Object.keys(driverKinds).filter((d) => !driverKinds[d]!.hidden).join(', ')})` }] };
  const p = k.params.safeParse(rest);
  if (!p.success) return { ok: false, issues: p.error.issues.map((i) => ({ path: i.path.join('.') || '(params)', message: i.message })) };
  return { ok: true, controller: { name, driver, params: p.data as Record<string, unknown> } };
}

/** `incoming` with each secret it leaves out (or sends as `[redacted]`) taken from `stored`: a GET answer sent back keeps its secrets. */
export function keepStoredSecrets(incoming: Record<string, unknown>, stored: Record<string, unknown> | null): Record<string, unknown> {
  const k = driverKinds[String(incoming.driver)];
  if (!k || !stored || stored.driver !== incoming.driver) return incoming;
  const out = { ...incoming };
  for (const key of k.secrets) {
    if ((out[key] === undefined || out[key] === redacted) && typeof stored[key] === 'string') out[key] = stored[key];
  }
  return out;
}

/** Creates the driver of a parsed controller. */
export function createDriver(c: ParsedController, deps: Omit<DriverDeps, 'name'>): PowerDriver {
  const k = driverKinds[c.driver];
  if (!k) throw new Error(`power: unknown driver '${c.driver}'`);
  return k.create(c.params, { ...deps, name: c.name });
}
