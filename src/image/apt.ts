// A private apt state per architecture: downloads Debian packages for a foreign
// arch without touching the host's apt (no `dpkg --add-architecture`).
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { ImageBuildError } from './errors.js';
import { run } from './exec.js';

/** Where and what to fetch from. */
export interface AptConfig {
  cacheDir: string;
  arch: string;
  mirror: string;
  suite: string;
  logger: Logger;
  refreshAfterMs?: number;
}

/** A package as the private index knows it. */
export interface AptPackage {
  name: string;
  version: string;
  arch: string;
}

/** A downloaded package: its .deb path and whether it came from the cache. */
export interface FetchedDeb extends AptPackage {
  file: string;
  cached: boolean;
}

/** The operations the builder needs from apt. */
export interface Apt {
  update(): Promise<void>;
  kernelPackage(): Promise<string>;
  describe(name: string): Promise<AptPackage>;
  fetch(name: string): Promise<FetchedDeb>;
  /** The package and everything it depends on, transitively (first alternative of each dependency). */
  dependsClosure(name: string): Promise<string[]>;
}

/** Creates the private apt for `cfg.arch` rooted at `<cacheDir>/<arch>/apt`. */
export function createApt(cfg: AptConfig): Apt {
  const root = path.join(cfg.cacheDir, cfg.arch);
  const lists = path.join(root, 'apt', 'lists');
  const debs = path.join(root, 'debs');
  const sourceList = path.join(root, 'apt', 'sources.list');
  const opts = [
    `-oAPT::Architecture=${cfg.arch}`, `-oAPT::Architectures=${cfg.arch}`,
    `-oDir::State::Lists=${lists}`, `-oDir::Etc::SourceList=${sourceList}`,
    '-oDir::Etc::SourceParts=/nonexistent', `-oDir::Cache=${path.join(root, 'apt', 'cache')}`,
    `-oDir::State::status=${path.join(root, 'apt', 'status')}`, '-oAPT::Sandbox::User=root', '-q',
  ];
  const aptCache = (args: string[]) => run('apt-cache', [...opts, ...args]);

  async function update(): Promise<void> {
    await mkdir(path.join(lists, 'partial'), { recursive: true });
    await mkdir(path.join(root, 'apt', 'cache', 'archives', 'partial'), { recursive: true });
    await writeFile(path.join(root, 'apt', 'status'), '', { flag: 'a' });
    const line = `deb [arch=${cfg.arch} signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${cfg.mirror} ${cfg.suite} main non-free-firmware\n`;
    await writeFile(sourceList, line);
    const age = await listsAge(lists);
    if (age !== undefined && age < (cfg.refreshAfterMs ?? 12 * 3600_000)) {
      cfg.logger.info('image: package index is fresh, not refreshing', { arch: cfg.arch });
      return;
    }
    cfg.logger.info('image: refreshing package index', { arch: cfg.arch, mirror: cfg.mirror, suite: cfg.suite });
    await run('apt-get', [...opts, 'update']).catch((err: unknown) => {
      if (age === undefined) throw err;
      cfg.logger.warn('image: index refresh failed, using the previous one', { error: err });
    });
    await writeFile(path.join(lists, '.bootherd-stamp'), new Date().toISOString());
  }

  async function kernelPackage(): Promise<string> {
    const out = await aptCache(['depends', `linux-image-${cfg.arch}`]);
    const m = new RegExp(`Depends:\\s+(linux-image-[0-9][^\\s]*-${cfg.arch})\\b`).exec(out);
    if (!m) throw new ImageBuildError(`kernel: linux-image-${cfg.arch} depends on no versioned kernel`);
    return m[1]!;
  }

  async function describe(name: string): Promise<AptPackage> {
    const out = await aptCache(['show', '--no-all-versions', name]);
    const version = /^Version:\s*(\S+)/m.exec(out)?.[1];
    const arch = /^Architecture:\s*(\S+)/m.exec(out)?.[1];
    if (!version || !arch) throw new ImageBuildError(`package ${name}: not in the ${cfg.arch} index`);
    return { name, version, arch };
  }

  async function fetch(name: string): Promise<FetchedDeb> {
    const pkg = await describe(name);
    const file = path.join(debs, `${pkg.name}_${pkg.version.replace(':', '%3a')}_${pkg.arch}.deb`);
    if (await exists(file)) return { ...pkg, file, cached: true };
    const tmp = path.join(debs, '.partial');
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await run('apt-get', [...opts, 'download', `${pkg.name}=${pkg.version}`], { cwd: tmp });
    const [got] = (await readdir(tmp)).filter((f) => f.endsWith('.deb'));
    if (!got) throw new ImageBuildError(`package ${name}: apt-get download produced no .deb`);
    await rename(path.join(tmp, got), file);
    await rm(tmp, { recursive: true, force: true });
    return { ...pkg, file, cached: false };
  }

  async function dependsClosure(name: string): Promise<string[]> {
    const out: string[] = [];
    const todo = [name];
    while (todo.length) {
      const next = todo.shift()!;
      if (out.includes(next)) continue;
      out.push(next);
      const text = await aptCache(['depends', next]);
      // "  Depends: libc6" (an alternative's first choice: "  |Depends: a" then "    b"); virtual names are in <...>.
      for (const m of text.matchAll(/^\s+\|?(?:Pre)?Depends:\s+([a-z0-9][a-z0-9+.-]*)\s*$/gm)) if (!out.includes(m[1]!)) todo.push(m[1]!);
      if (out.length > 64) throw new ImageBuildError(`package ${name}: more than 64 dependencies; refusing to pull that much into the initramfs`);
    }
    return out;
  }

  return { update, kernelPackage, describe, fetch, dependsClosure };
}

async function listsAge(lists: string): Promise<number | undefined> {
  const s = await stat(path.join(lists, '.bootherd-stamp')).catch(() => undefined);
  return s ? Date.now() - s.mtimeMs : undefined;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
