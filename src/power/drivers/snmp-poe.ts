// PoE switch ports over SNMP (v2c or v3): POWER-ETHERNET-MIB (RFC 3621)
// pethPsePortAdminEnable.<group>.<port>, 1 = on, 2 = off; a cycle is off,
// `offSeconds`, on. `findPort` walks the forwarding table (BRIDGE-MIB
// dot1dTpFdbPort, then Q-BRIDGE-MIB dot1qTpFdbPort) for a MAC address.
import snmp from 'net-snmp';
import { z } from 'zod';
import { PowerDeviceError, type DriverDeps, type PowerDriver, type PowerTarget } from '../power.js';
import { secretSchema } from '../secret.js';
import { deviceHost, devicePort, timeoutMs } from './params.js';

/** pethPsePortAdminEnable (RFC 3621). */
export const adminEnableOid = '1.3.6.1.2.1.105.1.1.1.3';
/** BRIDGE-MIB dot1dTpFdbPort: index = MAC as six numbers, value = bridge port. */
export const dot1dTpFdbPortOid = '1.3.6.1.2.1.17.4.3.1.2';
/** Q-BRIDGE-MIB dot1qTpFdbPort: index = FDB id + MAC, value = bridge port. */
export const dot1qTpFdbPortOid = '1.3.6.1.2.1.17.7.1.2.2.1.2';

/** Params of an snmp-poe controller. */
export const snmpPoeParams = z.strictObject({
  host: deviceHost,
  port: devicePort.default(161),
  version: z.enum(['2c', '3']).default('2c'),
  community: secretSchema.optional(),
  user: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, { message: 'v3 user: 1-32 letters, digits, . _ -' }).optional(),
  level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).default('authPriv'),
  authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).default('sha'),
  authKey: secretSchema.optional(),
  privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).default('aes'),
  privKey: secretSchema.optional(),
  group: z.number().int().min(1).max(65535).default(1),
  offSeconds: z.number().min(0).max(600).default(5),
  timeoutMs: timeoutMs(3000),
  retries: z.number().int().min(0).max(5).default(1),
}).superRefine((p, ctx) => {
  const need = (ok: unknown, path: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
  if (p.version === '2c') return void need(p.community, 'community', 'required for SNMP v2c');
  need(p.user, 'user', 'required for SNMP v3');
  if (p.level !== 'noAuthNoPriv') need(p.authKey, 'authKey', `required for ${p.level}`);
  if (p.level === 'authPriv') need(p.privKey, 'privKey', 'required for authPriv');
});
/** Parsed snmp-poe params. */
export type SnmpPoeParams = z.infer<typeof snmpPoeParams>;

/** The secret fields of snmp-poe params. */
export const snmpPoeSecrets = ['community', 'authKey', 'privKey'];

function openSession(p: SnmpPoeParams): snmp.Session {
  const options = { port: p.port, timeout: p.timeoutMs, retries: p.retries };
  const session = p.version === '2c'
    ? snmp.createSession(p.host, p.community!.reveal(), { ...options, version: snmp.Version2c })
    : snmp.createV3Session(p.host, {
      name: p.user!,
      level: snmp.SecurityLevel[p.level],
      ...(p.level !== 'noAuthNoPriv' ? { authProtocol: snmp.AuthProtocols[p.authProtocol], authKey: p.authKey!.reveal() } : {}),
      ...(p.level === 'authPriv' ? { privProtocol: snmp.PrivProtocols[p.privProtocol], privKey: p.privKey!.reveal() } : {}),
    }, { ...options, version: snmp.Version3 });
  session.on('error', () => undefined);
  return session;
}

function describe(err: unknown): string {
  const e = err as Error & { status?: number };
  if (e.name === 'RequestTimedOutError') return 'no answer (request timed out)';
  if (typeof e.status === 'number') return `refused: ${snmp.ErrorStatus[e.status] ?? `error-status ${e.status}`}`;
  return e.message;
}

/** Creates an snmp-poe driver. */
export function createSnmpPoeDriver(params: SnmpPoeParams, deps: DriverDeps): PowerDriver {
  const where = `snmp-poe ${deps.name} (${params.host}:${params.port})`;
  const oidOf = (t: PowerTarget) => {
    const m = /^(?:(\d{1,5})\.)?(\d{1,5})$/.exec(t.port);
    if (!m) throw new PowerDeviceError(`${where}: port '${t.port}' is not a PoE port number (N or GROUP.N)`);
    return `${adminEnableOid}.${m[1] ?? params.group}.${m[2]}`;
  };
  const call = <T>(what: string, fn: (s: snmp.Session, done: (err: Error | null, v?: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const session = openSession(params);
      fn(session, (err, v) => {
        session.close();
        if (err) reject(new PowerDeviceError(`${where}: ${what}: ${describe(err)}`, { cause: err }));
        else resolve(v as T);
      });
    });
  const set = (t: PowerTarget, value: 1 | 2) => call<void>(`SET ${oidOf(t)} = ${value}`, (s, done) => {
    s.set([{ oid: oidOf(t), type: snmp.ObjectType.Integer, value }], (err, vbs) => {
      const bad = vbs?.find((vb) => snmp.isVarbindError(vb));
      done(err ?? (bad ? new Error(snmp.varbindError(bad)) : null));
    });
  });
  const get = (t: PowerTarget) => call<number | null>(`GET ${oidOf(t)}`, (s, done) => {
    s.get([oidOf(t)], (err, vbs) => {
      const vb = vbs?.[0];
      if (err || !vb) return done(err ?? new Error('empty answer'));
      if (snmp.isVarbindError(vb)) return done(new Error(snmp.varbindError(vb)));
      done(null, typeof vb.value === 'number' ? vb.value : null);
    });
  });
  const walk = (oid: string) => call<Array<{ oid: string; value: unknown }>>(`walk ${oid}`, (s, done) => {
    const rows: Array<{ oid: string; value: unknown }> = [];
    s.subtree(oid, 20, (vbs) => {
      for (const vb of vbs) if (!snmp.isVarbindError(vb)) rows.push({ oid: vb.oid, value: vb.value });
      return rows.length > 100_000;
    }, (err) => done(err ?? null, rows));
  });

  return {
    kind: 'snmp-poe',
    async on(t) {
      await set(t, 1);
      return { done: true, detail: `${where}: port ${t.port} enabled (pethPsePortAdminEnable = 1)` };
    },
    async off(t) {
      await set(t, 2);
      return { done: true, detail: `${where}: port ${t.port} disabled (pethPsePortAdminEnable = 2)` };
    },
    async cycle(t) {
      await set(t, 2);
      await deps.sleep(params.offSeconds * 1000);
      await set(t, 1);
      return { done: true, detail: `${where}: port ${t.port} off for ${params.offSeconds} s, then on` };
    },
    async status(t) {
      const v = await get(t);
      const state = v === 1 ? 'on' : v === 2 ? 'off' : 'unknown';
      return { done: true, state, detail: `${where}: port ${t.port} pethPsePortAdminEnable = ${v ?? 'not a number'}` };
    },
    async findPort(macs) {
      const wanted = new Set(macs.map((m) => m.toLowerCase()));
      for (const base of [dot1dTpFdbPortOid, dot1qTpFdbPortOid]) {
        for (const row of await walk(base)) {
          const mac = row.oid.split('.').slice(-6).map((n) => Number(n).toString(16).padStart(2, '0')).join(':');
          if (wanted.has(mac) && typeof row.value === 'number' && row.value > 0) return String(row.value);
        }
      }
      return null;
    },
  };
}
