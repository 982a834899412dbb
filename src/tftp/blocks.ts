// DATA packets of one transfer. A file shared in memory (a cache entry) is cut
// into packets once per blksize and every transfer of it sends subarrays of
// the same buffer; any other file is read a chunk at a time, with one read and
// one allocation per chunk. Either way a send is one subarray holding header
// and payload together: no per-block allocation of a backing store, no copy.
import { Op } from './packet.js';
import type { TftpFile, TftpReader } from './types.js';

/** Read-ahead per chunk: one window, at least 64 KiB and at most 4 MiB, in whole blocks. */
const minChunkBytes = 64 * 1024;
const maxChunkBytes = 4 * 1024 * 1024;
/** Shared files smaller than this are read per chunk like any other. */
const minSharedBytes = 64 * 1024;

/** Ready-made DATA packets for absolute block numbers (1-based). */
export interface BlockSource {
  /** The packet for `block` if its chunk is loaded, else null (call load). */
  packet(block: number): Buffer | null;
  /** Loads the chunk starting at `block`. */
  load(block: number): Promise<void>;
  close(): void | Promise<void>;
}

// Packets cut from shared contents, per content buffer and blksize. Entries go
// when the content is no longer referenced (evicted and no transfer left).
const cutPackets = new WeakMap<Buffer, Map<number, Buffer>>();

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
      if (block === lastBlock && size % blksize === 0) return header(Buffer.allocUnsafe(4), 0, block);
      const i = block - first;
      if (first === 0 || i < 0 || i >= count) return null;
      const start = i * stride;
      return packets.subarray(start, Math.min(start + stride, packets.length));
    },
    async load(block) {
      reader ??= await file.open();
      if (closed) return void (await reader.close());
      const whole = reader.shared;
      if (whole && whole.length === size && size >= minSharedBytes) {
        packets = sharedPackets(whole, blksize);
        first = 1;
        count = Math.ceil(size / blksize);
        return;
      }
      const offset = (block - 1) * blksize;
      const want = Math.min(chunkBlocks * blksize, size - offset);
      const data = await reader.read(offset, want);
      if (data.length !== want) throw new Error(`short read: ${data.length} of ${want} bytes at ${offset}`);
      packets = cut(data, block, blksize);
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

function sharedPackets(whole: Buffer, blksize: number): Buffer {
  let bySize = cutPackets.get(whole);
  if (!bySize) cutPackets.set(whole, (bySize = new Map()));
  let packets = bySize.get(blksize);
  if (!packets) bySize.set(blksize, (packets = cut(whole, 1, blksize)));
  return packets;
}

// DATA packets for `data`, whose first byte starts block `firstBlock`, laid end to end.
function cut(data: Buffer, firstBlock: number, blksize: number): Buffer {
  const stride = blksize + 4;
  const n = Math.ceil(data.length / blksize);
  const buf = Buffer.allocUnsafe(data.length + 4 * n);
  for (let i = 0; i < n; i++) {
    header(buf, i * stride, firstBlock + i);
    data.copy(buf, i * stride + 4, i * blksize, Math.min((i + 1) * blksize, data.length));
  }
  return buf;
}

// Block numbers are 16-bit on the wire and roll over to 0 after 65535.
function header(buf: Buffer, at: number, block: number): Buffer {
  buf.writeUInt16BE(Op.DATA, at);
  buf.writeUInt16BE(block & 0xffff, at + 2);
  return buf;
}
