// The NFS-Ganesha exports writer: one EXPORT block per node (VFS FSAL, access
// for that node's address only) in an include file, then the reload command
// (e.g. `systemctl reload nfs-ganesha` or `kill -HUP <pid>`).
import { z } from 'zod';
import type { ExportEntry } from '../domain/roots.js';
import { lastLines, run } from './run.js';
import { writeFileAtomic } from './fs-util.js';
import type { DriverDeps, ExportsWriter } from './types.js';

/** Parameters of the ganesha writer. */
export const ganeshaExportsParams = z.strictObject({
  file: z.string().default('/etc/ganesha/bootherd-exports.conf'),
  reloadCommand: z.array(z.string()).min(1).optional(),
  /** NFS versions each export offers. */
  nfsVersions: z.array(z.union([z.literal(3), z.literal(4)])).min(1).default([3, 4]),
});

/** The include file's text for `entries`. */
export function renderGaneshaExports(entries: ExportEntry[], versions: number[]): string {
  const blocks = entries.map((e) =>
    [
      `EXPORT {`,
      `  Export_Id = ${e.exportId};`,
      `  Path = "${e.path}";`,
      `  Pseudo = "${e.path}";`,
      `  Protocols = ${versions.join(', ')};`,
      `  Transports = TCP;`,
      `  Access_Type = None;`,
      `  Squash = No_Root_Squash;`,
      `  SecType = sys;`,
      `  FSAL { Name = VFS; }`,
      `  CLIENT { Clients = ${e.client}; Access_Type = RW; }`,
      `}`,
    ].join('\n'),
  );
  return ['# Written by bootherd: one EXPORT per node, to that node only. Changes here are overwritten.', ...blocks, ''].join('\n');
}

/** Creates the ganesha exports writer. */
export function createGaneshaExportsWriter(params: z.input<typeof ganeshaExportsParams>, deps: DriverDeps): ExportsWriter {
  const p = ganeshaExportsParams.parse(params);
  return {
    kind: 'ganesha',
    async write(entries) {
      await writeFileAtomic(p.file, renderGaneshaExports(entries, p.nfsVersions));
      if (!p.reloadCommand) return { ok: true, detail: `${p.file} written; no exports.reloadCommand, so ganesha takes it at its next start` };
      const r = await run(p.reloadCommand, { timeoutMs: 60_000, logger: deps.logger }).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
      if (r.code !== 0) return { ok: false, detail: `${p.file} written, but ${p.reloadCommand.join(' ')} exited ${r.code}: ${lastLines(r.stderr)}` };
      return { ok: true, detail: `${p.file} written; ${p.reloadCommand.join(' ')} done` };
    },
  };
}
