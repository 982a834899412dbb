// Option negotiation: RFC 2347 (OACK), 2348 (blksize), 2349 (tsize, timeout),
// 7440 (windowsize). Options we do not support or whose value is invalid are
// left out of the OACK, which RFC 2347 allows; an RRQ whose options are all
// left out gets plain RFC 1350 behaviour (DATA 1, no OACK).

/** Limits the server applies while negotiating. */
export interface NegotiationLimits {
  blksizeCap: number;
  windowsizeCap: number;
  timeoutMs: number;
}

/** The parameters a transfer runs with, plus the OACK to send (null: none). */
export interface Negotiated {
  blksize: number;
  windowsize: number;
  /** The retransmission timeout to start from. */
  timeoutMs: number;
  /** timeoutMs is the client's own (RFC 2349): the adaptive timeout never exceeds it. */
  timeoutFromClient: boolean;
  oack: Array<[string, string]> | null;
}

/** RFC 2348 bounds. */
export const minBlksize = 8;
export const maxBlksize = 65464;

/** Negotiates requested options against limits and the real file size. */
export function negotiate(requested: Record<string, string>, size: number, limits: NegotiationLimits): Negotiated {
  const out: Negotiated = { blksize: 512, windowsize: 1, timeoutMs: limits.timeoutMs, timeoutFromClient: false, oack: null };
  const acked: Array<[string, string]> = [];
  for (const [name, raw] of Object.entries(requested)) {
    const value = parseDecimal(raw);
    if (value === null) continue;
    if (name === 'blksize' && value >= minBlksize) {
      // Too large is clamped to our cap; below 8 (e.g. 0) is not acknowledged.
      out.blksize = Math.min(value, maxBlksize, limits.blksizeCap);
      acked.push([name, String(out.blksize)]);
    } else if (name === 'tsize') {
      // RFC 2349: the client sends 0 in an RRQ; we answer the real size.
      acked.push([name, String(size)]);
    } else if (name === 'timeout' && value >= 1 && value <= 255) {
      // RFC 2349: the server must echo the value unchanged.
      out.timeoutMs = value * 1000;
      out.timeoutFromClient = true;
      acked.push([name, String(value)]);
    } else if (name === 'windowsize' && value >= 1 && value <= 65535) {
      out.windowsize = Math.min(value, limits.windowsizeCap);
      acked.push([name, String(out.windowsize)]);
    }
  }
  if (acked.length > 0) out.oack = acked;
  return out;
}

function parseDecimal(raw: string): number | null {
  if (!/^[0-9]{1,10}$/.test(raw)) return null;
  return Number(raw);
}
