// A bounded in-memory cache of hot boot files (start4.elf, kernels, initramfs)
// for handlers: 200 Pis booting at once read each file from memory, once.
import { open, stat } from 'node:fs/promises';
import type { TftpFile, TftpReader } from './types.js';

/** Limits of createFileCache. */
export interface FileCacheOptions {
  /** Total cached content, evicted least-recently-used first. */
  maxBytes: number;
  /** Larger files are read from disk per chunk, never cached (default: maxBytes). */
  maxFileBytes?: number;
}

/** Looks files up by absolute path; null when missing or not a regular file. */
export interface FileCache {
  file(absPath: string): Promise<TftpFile | null>;
}

interface Entry {
  size: number;
  mtimeMs: number;
  content: Promise<Buffer>;
}

/** Creates a cache keyed by path, size and mtime (a changed file is re-read). */
export function createFileCache(opts: FileCacheOptions): FileCache {
  const maxFileBytes = Math.min(opts.maxFileBytes ?? opts.maxBytes, opts.maxBytes);
  const entries = new Map<string, Entry>(); // insertion order = LRU order
  let total = 0;

  const evict = (): void => {
    for (const [key, e] of entries) {
      if (total <= opts.maxBytes) break;
      entries.delete(key);
      total -= e.size;
    }
  };

  // One read per (path, size, mtime), shared by concurrent transfers.
  const content = (absPath: string, size: number, mtimeMs: number): Promise<Buffer> => {
    const hit = entries.get(absPath);
    if (hit && hit.size === size && hit.mtimeMs === mtimeMs) {
      entries.delete(absPath);
      entries.set(absPath, hit);
      return hit.content;
    }
    if (hit) {
      entries.delete(absPath);
      total -= hit.size;
    }
    const entry: Entry = { size, mtimeMs, content: loadExact(absPath, size, mtimeMs) };
    entries.set(absPath, entry);
    total += size;
    entry.content.catch(() => {
      if (entries.get(absPath) === entry) {
        entries.delete(absPath);
        total -= size;
      }
    });
    evict();
    return entry.content;
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
      return {
        size,
        async open() {
          const buf = await content(absPath, size, mtimeMs);
          return memoryReader(buf);
        },
      };
    },
  };
}

/** A reader over a cached buffer: blocks are subarrays, never copies. */
function memoryReader(buf: Buffer): TftpReader {
  return {
    read: (offset, length) => Promise.resolve(buf.subarray(offset, offset + length)),
    close: () => undefined,
    shared: buf,
  };
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
