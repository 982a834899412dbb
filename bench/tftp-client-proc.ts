// A client process of bench:tftp --pin: boots Pis FROM..TO-1 against one
// server and prints their results and its own CPU seconds as JSON, so the
// clients can run on cores of their own, apart from the server's.
//
//   node dist/bench/tftp-client-proc.js '{"host":..,"port":..,"root":..,"serial":true,"from":0,"to":25,"lossy":false}'
import { bootOnePi, readBootSet, serialPath } from './tftp-pi.js';

/** What the bench hands a client process. */
export interface ClientProcArgs {
  host: string;
  port: number;
  /** The boot set's directory, read to check every byte. */
  root: string;
  /** Ask under each Pi's serial (bootherd) rather than for plain names. */
  serial: boolean;
  rendered: string[];
  from: number;
  to: number;
  lossy: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ClientProcArgs;
const files = await readBootSet(args.root);
const target = { pathFor: args.serial ? serialPath : (f: string) => f, rendered: new Set(args.rendered) };
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const ids = Array.from({ length: args.to - args.from }, (_, k) => args.from + k);
const results = await Promise.all(ids.map((i) => bootOnePi({ host: args.host, port: args.port }, target, files, i, t0, args.lossy)));
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ results, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
