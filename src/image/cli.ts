// `bootherd image ...`: parses the subcommand's arguments and runs the builder;
// the only place image errors become a message and an exit code.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { buildDiscoveryImage, type ImageArch } from './build.js';

/** What the CLI dispatcher passes in; `dataDir`/`assetsDir` are bootherd's configured dirs, if known. */
export interface ImageCommandDeps {
  logger: Logger;
  stdout: (s: string) => void;
  dataDir?: string;
  assetsDir?: string;
}

const usage = `usage: bootherd image build --arch arm64|amd64 [--out DIR] [--cache DIR] [--mirror URL] [--suite bookworm] [--data-dir DIR]
  --out     asset dir (default <assets-dir>/discovery/<arch>, <assets-dir> being <data-dir>/assets)
  --cache   download cache (default <data-dir>/image-cache, or ~/.cache/bootherd/image-cache without a data dir)
  --mirror  Debian mirror URL (default: the host's apt sources)`;

/** `--mirror`: a Debian mirror URL. */
export const mirrorSchema = z.string().regex(/^(https?|file):\/\/\S+$/, { message: 'must be an http(s):// or file:// URL' });
/** `--suite`: a Debian suite name. */
export const suiteSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a Debian suite name like bookworm' });

/** Runs `image <subcommand> ...`; returns 0 ok, 1 error, 2 usage. */
export async function runImageCommand(argv: string[], deps: ImageCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    deps.stdout(usage + '\n');
    return 0;
  }
  if (sub !== 'build') return usageError(deps, sub ? `unknown image subcommand '${sub}'` : 'missing image subcommand');
  const parsed = parseBuildArgs(rest);
  if (typeof parsed === 'string') return usageError(deps, parsed);
  return runImageBuild(parsed, deps);
}

/** Builds the discovery image from checked arguments; returns 0 ok, 1 error. */
export async function runImageBuild(parsed: BuildArgs, deps: ImageCommandDeps): Promise<number> {
  const dataDir = parsed.dataDir ?? deps.dataDir;
  const assetsDir = parsed.dataDir ? path.join(parsed.dataDir, 'assets') : (deps.assetsDir ?? path.join(dataDir ?? 'data', 'assets'));
  const started = Date.now();
  try {
    const result = await buildDiscoveryImage({
      arch: parsed.arch,
      outDir: path.resolve(parsed.out ?? path.join(assetsDir, 'discovery', parsed.arch)),
      cacheDir: path.resolve(parsed.cache ?? (dataDir ? path.join(dataDir, 'image-cache') : path.join(os.homedir(), '.cache', 'bootherd', 'image-cache'))),
      suite: parsed.suite,
      ...(parsed.mirror ? { mirror: parsed.mirror } : {}),
      logger: deps.logger,
      progress: (line) => deps.stdout(line + '\n'),
    });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    deps.stdout(`discovery image ${parsed.arch} (kernel ${result.manifest.kernelVersion}) ready in ${result.outDir} after ${secs}s; ${result.downloaded} packages downloaded, ${result.reused} reused from the cache\n`);
    return 0;
  } catch (err) {
    deps.logger.error(err instanceof AppError ? err.message : `image build: ${String(err)}`, { error: err instanceof AppError ? undefined : err });
    return 1;
  }
}

/** Checked `image build` arguments. */
export interface BuildArgs {
  arch: ImageArch;
  out?: string;
  cache?: string;
  mirror?: string;
  suite: string;
  dataDir?: string;
}

/** Parses `build` flags; returns a usage message on bad input. */
export function parseBuildArgs(args: string[]): BuildArgs | string {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { arch: { type: 'string' }, out: { type: 'string' }, cache: { type: 'string' }, mirror: { type: 'string' }, suite: { type: 'string' }, 'data-dir': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return (err as Error).message;
  }
  if (values.arch !== 'arm64' && values.arch !== 'amd64') return `--arch must be arm64 or amd64, got '${values.arch ?? ''}'`;
  if (values.mirror && !mirrorSchema.safeParse(values.mirror).success) return `--mirror must be an http(s):// or file:// URL`;
  const suite = values.suite ?? 'bookworm';
  if (!suiteSchema.safeParse(suite).success) return `--suite must be a Debian suite name like bookworm`;
  const opt = (k: 'out' | 'cache' | 'mirror' | 'data-dir') => (values[k] ? { [k === 'data-dir' ? 'dataDir' : k]: values[k] } : {});
  return { arch: values.arch, suite, ...opt('out'), ...opt('cache'), ...opt('mirror'), ...opt('data-dir') };
}

function usageError(deps: ImageCommandDeps, message: string): number {
  deps.stdout(`image: ${message}\n${usage}\n`);
  return 2;
}
