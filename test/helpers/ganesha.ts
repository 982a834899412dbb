// Runs NFS-Ganesha in user space (no kernel NFS server): `ganesha.nfsd -F`
// on 127.0.0.1 and a free high port, NFSv4 only, with an include file that
// bootherd's ganesha exports writer fills; SIGHUP makes it reread exports.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** A running ganesha. */
export interface Ganesha {
  port: number;
  pid: number;
  exportsFile: string;
  log: () => Promise<string>;
  stop(): Promise<void>;
}

/** Throws naming the Debian packages unless ganesha.nfsd and its VFS FSAL are installed. */
export function requireGanesha(): void {
  try {
    execFileSync('ganesha.nfsd', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error('ganesha.nfsd not found: install the Debian packages nfs-ganesha and nfs-ganesha-vfs');
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Starts ganesha with its state, log and exports include file under `dir`. */
export async function startGanesha(dir: string): Promise<Ganesha> {
  requireGanesha();
  await mkdir(path.join(dir, 'recovery'), { recursive: true });
  const port = await freePort();
  const exportsFile = path.join(dir, 'bootherd-exports.conf');
  await writeFile(exportsFile, '');
  const conf = path.join(dir, 'ganesha.conf');
  await writeFile(conf, [
    `NFS_CORE_PARAM { Protocols = 4; NFS_Port = ${port}; Bind_addr = 127.0.0.1; Enable_NLM = false; Enable_RQUOTA = false; }`,
    'NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "' + path.join(dir, 'recovery') + '"; }',
    'NFS_KRB5 { Active_krb5 = false; }',
    `%include "${exportsFile}"`,
    '',
  ].join('\n'));
  const logFile = path.join(dir, 'ganesha.log');
  const proc: ChildProcess = spawn('ganesha.nfsd', ['-F', '-f', conf, '-L', logFile, '-p', path.join(dir, 'ganesha.pid')], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  for (let i = 0; i < 120 && !(await listening(port)); i++) {
    if (proc.exitCode !== null) throw new Error(`ganesha.nfsd exited ${proc.exitCode}:\n${await log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!(await listening(port))) throw new Error(`ganesha.nfsd is not listening on 127.0.0.1:${port} after 30 s:\n${await log()}`);
  return {
    port, pid: proc.pid!, exportsFile, log,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
