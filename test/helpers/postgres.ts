// A real PostgreSQL for tests: initdb in a temp dir (as the `postgres` user
// when running as root, since initdb refuses root), pg_ctl on 127.0.0.1 and a
// free port, one database per caller, stopped and removed afterwards, also
// when the test process fails. Missing PostgreSQL fails loudly, naming the
// Debian package: tests never skip.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A running test cluster. */
export interface TestPostgres {
  port: number;
  dir: string;
  /** The URL of database `db` (default `postgres`). */
  url(db?: string): string;
  /** Creates an empty database; answers its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL on database `db` as the superuser. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], db?: string): Promise<R[]>;
  /** Stops the server (fast shutdown: sessions are cut), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** The directory of PostgreSQL's server binaries, or an error naming the package to install. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error("PostgreSQL is missing: install the Debian package 'postgresql' (scripts/install-test-deps.sh installs it); no initdb under /usr/lib/postgresql/*/bin");
  return path.join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a fresh cluster; call destroy() when done (an exit hook also stops it). */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  let uid = -1;
  if (asRoot) {
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    } catch {
      throw new Error("PostgreSQL is missing: there is no 'postgres' user; install the Debian package 'postgresql' (scripts/install-test-deps.sh installs it)");
    }
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-pg-'));
  if (asRoot) chownSync(dir, uid, -1);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const argv = (tool: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args]) as [string, string[]];
  const tool = async (name: string, args: string[]) => {
    const [file, a] = argv(name, args);
    try {
      await run(file, a, { timeout: 120_000 });
    } catch (err) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
      throw new Error(`${name} ${args.join(' ')} failed: ${(err as Error).message}\n${tail}`);
    }
  };
  let port = 0;
  const stopSync = () => {
    const [file, a] = argv('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    try {
      execFileSync(file, a, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Also when the runner cancels the file (SIGTERM) or someone presses ^C.
  const onSignal = (sig: NodeJS.Signals) => (stopSync(), process.kill(process.pid, sig));
  const hook = (on: boolean) => {
    process[on ? 'once' : 'off']('exit', stopSync);
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process[on ? 'once' : 'off'](sig, onSignal);
  };
  hook(true);
  try {
    await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'bootherd', '-N', '-E', 'UTF8']);
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        await tool('pg_ctl', ['-D', data, '-o', `-h 127.0.0.1 -p ${port} -k ${dir}`, '-l', log, '-w', '-t', '60', 'start']);
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
  } catch (err) {
    hook(false);
    stopSync();
    throw err;
  }
  const url = (db = 'postgres') => `postgres://bootherd@127.0.0.1:${port}/${db}`;
  const query = async <R>(sql: string, params: unknown[] = [], db = 'postgres') => {
    const client = new pg.Client({ connectionString: url(db) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as R[];
    } finally {
      await client.end();
    }
  };
  return {
    port,
    dir,
    url,
    query,
    async createDatabase(name = `t_${randomBytes(6).toString('hex')}`) {
      await query(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    stop: () => tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    start: () => tool('pg_ctl', ['-D', data, '-o', `-h 127.0.0.1 -p ${port} -k ${dir}`, '-l', log, '-w', '-t', '60', 'start']),
    async destroy() {
      hook(false);
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      stopSync();
    },
  };
}
