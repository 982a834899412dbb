// A bounded in-memory cache of hot boot files (start4.elf, kernels, initramfs)
// for handlers: 200 Pis booting at once read each file from memory, once.
// Whole files and the DATA packets cut from them share one byte budget
// (budget.ts): a file is kept cut at a block size once a second transfer asks
// for that size, so a client sweeping odd block sizes costs one chunk per
// transfer, never a cached copy per size.
import { open, stat } from 'node:fs/promises';
import { createBudget } from './budget.js';
import type { BudgetEntry, BudgetStats } from './budget.js';
import { cutBytes, cutDataPackets } from './packet.js';
import type { TftpFile, TftpReader } from './types.js';

/** Limits of createFileCache. */
export interface FileCacheOptions {
  /** Everything cached, whole files and cut packets, evicted least-recently-used first. */
  maxBytes: number;
  /** Larger files are read from disk per chunk, never cached (default: maxBytes). */
  maxFileBytes?: number;
}

/** What the cache holds now, against its budget. */
export type FileCacheStats = BudgetStats & { maxBytes: number };

/** Looks files up by absolute path; null when missing or not a regular file. */
export interface FileCache {
  file(absPath: string): Promise<TftpFile | null>;
  stats(): FileCacheStats;
}

/** Smaller files are cut per transfer (one chunk) and never kept cut. */
const minPacketCacheBytes = 64 * 1024;
/** Block sizes counted per file for admission; beyond this the oldest is forgotten. */
const maxAskedSizes = 8;

interface Whole {
  kind: 'whole';
  size: number;
  mtimeMs: number;
  content: Promise<Buffer>;
  /** Transfers that asked for packets, per blksize. */
  asks: Map<number, number>;
}

interface Cut {
  kind: 'cut';
  size: number;
  mtimeMs: number;
  packets: Buffer;
}

type Cached = Whole | Cut;

/** Creates a cache keyed by path, size and mtime (a changed file is re-read). */
export function createFileCache(opts: FileCacheOptions): FileCache {
  const maxFileBytes = Math.min(opts.maxFileBytes ?? opts.maxBytes, opts.maxBytes);
  const budget = createBudget<Cached>(opts.maxBytes);

  // The entry of this version of the file, loading it once for concurrent
  // transfers; null when it does not fit beside the files in use.
  const whole = (absPath: string, size: number, mtimeMs: number): BudgetEntry<Cached> | null => {
    const hit = budget.get(absPath);
    if (hit && hit.value.kind === 'whole' && hit.value.size === size && hit.value.mtimeMs === mtimeMs) return hit;
    if (hit) budget.delete(absPath, hit);
    const entry = budget.add(absPath, size, (): Whole => ({ kind: 'whole', size, mtimeMs, content: loadExact(absPath, size, mtimeMs), asks: new Map() }));
    if (entry?.value.kind === 'whole') entry.value.content.catch(() => budget.delete(absPath, entry));
    return entry;
  };

  // The file cut at `blksize`, kept from the second transfer that asks for
  // that size on (when it fits); null: the transfer cuts per chunk.
  const packetsFor = (absPath: string, w: Whole, content: Buffer, blksize: number, holds: Array<() => void>): Buffer | null => {
    if (w.size < minPacketCacheBytes) return null;
    const key = `${absPath}\0${blksize}`;
    let entry = budget.get(key);
    if (entry && !(entry.value.kind === 'cut' && entry.value.size === w.size && entry.value.mtimeMs === w.mtimeMs)) {
      budget.delete(key, entry);
      entry = undefined;
    }
    if (!entry && countAsk(w.asks, blksize) >= 2) {
      entry = budget.add(key, cutBytes(w.size, blksize), (): Cut => ({ kind: 'cut', size: w.size, mtimeMs: w.mtimeMs, packets: cutDataPackets(content, 1, blksize) })) ?? undefined;
    }
    if (entry?.value.kind !== 'cut') return null;
    holds.push(budget.pin(entry));
    return entry.value.packets;
  };

  // A reader over the cached file; it holds the file (and its packets) until closed.
  const openCached = async (absPath: string, size: number, mtimeMs: number): Promise<TftpReader> => {
    const entry = whole(absPath, size, mtimeMs);
    if (entry?.value.kind !== 'whole') return openFdReader(absPath, size);
    const w = entry.value;
    const holds = [budget.pin(entry)];
    let closed = false;
    const close = (): void => {
      closed = true;
      for (const release of holds.splice(0)) release();
    };
    let content: Buffer;
    try {
      content = await w.content;
    } catch (err) {
      close();
      throw err;
    }
    return {
      read: (offset, length) => Promise.resolve(content.subarray(offset, offset + length)),
      packets: (blksize) => (closed ? null : packetsFor(absPath, w, content, blksize, holds)),
      close,
    };
  };

  return {
    async file(absPath) {
      let st;
      try {
        st = await stat(absPath);
      } catch {
        return null;
      }
      if (!st.isFile()) return null;
      const { size, mtimeMs } = st;
      if (size > maxFileBytes) return { size, open: () => openFdReader(absPath, size) };
      return { size, open: () => openCached(absPath, size, mtimeMs) };
    },
    stats: () => ({ ...budget.stats(), maxBytes: opts.maxBytes }),
  };
}

// Counts one more transfer asking for `blksize`; remembers a few sizes only.
function countAsk(asks: Map<number, number>, blksize: number): number {
  const n = (asks.get(blksize) ?? 0) + 1;
  asks.delete(blksize);
  asks.set(blksize, n);
  if (asks.size > maxAskedSizes) asks.delete(asks.keys().next().value!);
  return n;
}

// Reads a whole file, failing if it is not the size and mtime the client was promised.
async function loadExact(absPath: string, size: number, mtimeMs: number): Promise<Buffer> {
  const fh = await open(absPath, 'r');
  try {
    const st = await fh.stat();
    if (st.size !== size || st.mtimeMs !== mtimeMs) throw new Error(`file changed while opening: ${absPath}`);
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, done, size - done, done);
      if (bytesRead === 0) throw new Error(`file shrank while reading: ${absPath}`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

// An uncached file: one descriptor per transfer, read at the requested offsets.
async function openFdReader(absPath: string, size: number): Promise<TftpReader> {
  const fh = await open(absPath, 'r');
  const st = await fh.stat();
  if (st.size !== size) {
    await fh.close();
    throw new Error(`file changed while opening: ${absPath}`);
  }
  return {
    async read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    },
    close: () => fh.close(),
  };
}
