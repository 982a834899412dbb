// BMCs over IPMI v2 (RMCP+): `ipmitool -I lanplus ... chassis power
// on|off|cycle|status`. The password travels in the environment (-E), never
// in argv where ps would show it.
import { z } from 'zod';
import { outputTail, runProgram } from '../../exec.js';
import { PowerDeviceError, type DriverDeps, type PowerDriver, type PowerReply } from '../power.js';
import { secretSchema } from '../secret.js';
import { deviceHost, devicePort, timeoutMs } from './params.js';

/** Params of an ipmi controller. */
export const ipmiParams = z.strictObject({
  host: deviceHost,
  port: devicePort.default(623),
  username: z.string().min(1).max(16).regex(/^[\x21-\x7e]+$/, { message: 'printable ASCII without spaces' }),
  password: secretSchema,
  cipherSuite: z.number().int().min(0).max(17).optional(),
  timeoutMs: timeoutMs(20_000),
  /** The ipmitool binary. */
  ipmitool: z.string().min(1).max(256).default('ipmitool'),
});
/** Parsed ipmi params. */
export type IpmiParams = z.infer<typeof ipmiParams>;

/** The secret fields of ipmi params. */
export const ipmiSecrets = ['password'];

/** Creates an ipmi driver. */
export function createIpmiDriver(params: IpmiParams, deps: DriverDeps): PowerDriver {
  const where = `ipmi ${deps.name} (${params.host}:${params.port})`;
  async function chassis(action: 'on' | 'off' | 'cycle' | 'status'): Promise<string> {
    const argv = [
      params.ipmitool, '-I', 'lanplus', '-H', params.host, '-p', String(params.port), '-U', params.username, '-E',
      '-N', String(Math.max(1, Math.floor(params.timeoutMs / 4000))), '-R', '2',
      ...(params.cipherSuite !== undefined ? ['-C', String(params.cipherSuite)] : []),
      'chassis', 'power', action,
    ];
    const r = await runProgram(argv, { timeoutMs: params.timeoutMs, logger: deps.logger, env: { IPMI_PASSWORD: params.password.reveal() } }).catch((err: unknown) => {
      throw new PowerDeviceError(`${where}: power ${action}: ${(err as Error).message}`, { cause: err });
    });
    const out = r.stdout.toString('utf8').trim();
    if (r.code !== 0) throw new PowerDeviceError(`${where}: power ${action}: ipmitool exit ${r.code}: ${outputTail(r)}`);
    return out;
  }
  const act = async (action: 'on' | 'off' | 'cycle'): Promise<PowerReply> => ({ done: true, detail: `${where}: ${await chassis(action)}` });
  return {
    kind: 'ipmi',
    on: () => act('on'),
    off: () => act('off'),
    cycle: () => act('cycle'),
    async status() {
      const out = await chassis('status');
      const m = /Chassis Power is (on|off)/i.exec(out);
      return { done: true, state: m ? (m[1]!.toLowerCase() as 'on' | 'off') : 'unknown', detail: `${where}: ${out}` };
    },
  };
}
