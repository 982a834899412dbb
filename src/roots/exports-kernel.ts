// The kernel NFS server's exports writer: one line per node in a file of its
// own (default /etc/exports.d/bootherd.exports), written atomically, then
// `exportfs -ra` when exportfs is installed; its failure is reported.
import { z } from 'zod';
import type { ExportEntry } from '../domain/roots.js';
import { findProgram, lastLines, run } from './run.js';
import { writeFileAtomic } from './fs-util.js';
import type { DriverDeps, ExportsWriter } from './types.js';

/** Parameters of the kernel writer. */
export const kernelExportsParams = z.strictObject({
  file: z.string().default('/etc/exports.d/bootherd.exports'),
  options: z.string().regex(/^[a-z0-9_=,:-]+$/).default('rw,no_root_squash,async,no_subtree_check'),
  /** The exportfs program (null: look for it on the standard paths). */
  exportfs: z.string().nullable().default(null),
});

/** The exports file's text for `entries`. */
export function renderKernelExports(entries: ExportEntry[], options: string): string {
  const lines = entries.map((e) => `"${e.path}" ${e.client}(${options})`);
  return ['# Written by bootherd: one line per node, to that node only. Changes here are overwritten.', ...lines, ''].join('\n');
}

/** Creates the kernel exports writer. */
export function createKernelExportsWriter(params: z.input<typeof kernelExportsParams>, deps: DriverDeps): ExportsWriter {
  const p = kernelExportsParams.parse(params);
  return {
    kind: 'kernel',
    async write(entries) {
      await writeFileAtomic(p.file, renderKernelExports(entries, p.options));
      const exportfs = p.exportfs ?? (await findProgram('exportfs'));
      if (!exportfs) return { ok: true, detail: `${p.file} written; exportfs not installed (Debian nfs-kernel-server), so nothing reloaded` };
      const r = await run([exportfs, '-ra'], { timeoutMs: 60_000, logger: deps.logger });
      if (r.code !== 0) return { ok: false, detail: `${p.file} written, but exportfs -ra exited ${r.code}: ${lastLines(r.stderr)}` };
      return { ok: true, detail: `${p.file} written; exportfs -ra done` };
    },
  };
}
