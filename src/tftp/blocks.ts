// DATA packets of one transfer. When the reader offers the whole file cut at
// this blksize (a cache entry shared by transfers), every send is a subarray
// of it; otherwise the file is read and cut a chunk at a time, with one read
// and one allocation per chunk. Either way a send is one subarray holding
// header and payload together: no per-block allocation, no copy.
import { cutDataPackets, dataHeader } from './packet.js';
import type { TftpFile, TftpReader } from './types.js';

/** Read-ahead per chunk: one window, at least 64 KiB and at most 4 MiB, in whole blocks. */
const minChunkBytes = 64 * 1024;
const maxChunkBytes = 4 * 1024 * 1024;

/** Ready-made DATA packets for absolute block numbers (1-based). */
export interface BlockSource {
  /** The packet for `block` if its chunk is loaded, else null (call load). */
  packet(block: number): Buffer | null;
  /** Loads the chunk starting at `block`. */
  load(block: number): Promise<void>;
  close(): void | Promise<void>;
}

/** Creates the packet source for a file; the reader is opened on first load. */
export function createBlockSource(file: TftpFile, blksize: number, windowsize: number): BlockSource {
  const size = file.size;
  const lastBlock = Math.floor(size / blksize) + 1;
  const chunkBytes = Math.min(Math.max(minChunkBytes, windowsize * blksize), maxChunkBytes);
  const chunkBlocks = Math.max(1, Math.floor(chunkBytes / blksize));
  const stride = blksize + 4;
  let reader: TftpReader | null = null;
  let closed = false;
  let first = 0; // first block of the loaded chunk, 0 = none
  let count = 0;
  let packets: Buffer = Buffer.alloc(0);

  return {
    packet(block) {
      // A size that is an exact multiple of blksize ends with an empty block (RFC 1350 §6).
      if (block === lastBlock && size % blksize === 0) return dataHeader(block);
      const i = block - first;
      if (first === 0 || i < 0 || i >= count) return null;
      const start = i * stride;
      return packets.subarray(start, Math.min(start + stride, packets.length));
    },
    async load(block) {
      const opening = reader === null;
      reader ??= await file.open();
      if (closed) return void (await reader.close());
      // Asked once per transfer: the cache counts transfers, not chunks.
      const whole = opening ? (reader.packets?.(blksize) ?? null) : null;
      if (whole) {
        packets = whole;
        first = 1;
        count = Math.ceil(size / blksize);
        return;
      }
      const offset = (block - 1) * blksize;
      const want = Math.min(chunkBlocks * blksize, size - offset);
      const data = await reader.read(offset, want);
      if (data.length !== want) throw new Error(`short read: ${data.length} of ${want} bytes at ${offset}`);
      packets = cutDataPackets(data, block, blksize);
      first = block;
      count = Math.ceil(want / blksize);
    },
    close() {
      closed = true;
      const r = reader;
      reader = null;
      return r?.close();
    },
  };
}

