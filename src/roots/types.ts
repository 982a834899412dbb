// The shared interfaces of per-node root providers and exports writers
// (DESIGN §9). Implementations get everything as params: they import nothing
// from core, store or http.
import type { ExportEntry } from '../domain/roots.js';
import type { Logger } from '../log.js';

/** Provider kinds. */
export type RootProviderKind = 'btrfs' | 'copy';

/** Progress of a long copy: bytes done of (an estimate of) the total. */
export type ProgressFn = (done: number, total: number) => void;

/** Makes and removes per-node roots from a golden root. */
export interface RootProvider {
  kind: RootProviderKind;
  /** Makes `dest` (which must not exist) from `golden`; leaves nothing behind when it fails. */
  create(golden: string, dest: string, onProgress?: ProgressFn): Promise<void>;
  /** Removes a root this provider made (no error if it is gone). */
  remove(dest: string): Promise<void>;
}

/** What a provider or writer needs from its host. */
export interface DriverDeps {
  logger: Logger;
  /** Per-program timeout for long operations (copies). */
  timeoutMs?: number;
}

/** The outcome of writing and reloading the exports. */
export interface ExportsResult {
  ok: boolean;
  detail: string;
}

/** Writes the complete set of exports and makes the NFS server take them. */
export interface ExportsWriter {
  kind: 'kernel' | 'ganesha' | 'none';
  write(entries: ExportEntry[]): Promise<ExportsResult>;
}
