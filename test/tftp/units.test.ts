// Table-driven tests of the pure parts: path confinement, option negotiation,
// packet parsing, and the tftp config block.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';
import type { ConfigError } from '../../src/errors.js';
import { validateTftpPath } from '../../src/tftp/index.js';
import { negotiate } from '../../src/tftp/options.js';
import { dataHeader, errorPacket, oackPacket, parsePacket, requestPacket } from '../../src/tftp/packet.js';

describe('validateTftpPath', () => {
  const cases: Array<[string, string | null]> = [
    ['start4.elf', 'start4.elf'],
    ['04f2ea0a/start4.elf', '04f2ea0a/start4.elf'],
    ['dc-a6-32-01-36-c2/config.txt', 'dc-a6-32-01-36-c2/config.txt'],
    ['overlays//./rpi-poe.dtbo', 'overlays/rpi-poe.dtbo'],
    ['..data/x', '..data/x'],
    ['', null],
    ['.', null],
    ['../etc/passwd', null],
    ['a/../../x', null],
    ['a/..', null],
    ['/etc/passwd', null],
    ['a\\b', null],
    ['a\0b', null],
    ['a\nb', null],
    ['x'.repeat(255), 'x'.repeat(255)],
    ['x'.repeat(256), null],
    ['é'.repeat(128), null], // 256 bytes in UTF-8
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input.slice(0, 20))} -> ${JSON.stringify(want?.slice(0, 20) ?? null)}`, () => assert.equal(validateTftpPath(input), want));
  }
});

describe('negotiate', () => {
  const limits = { blksizeCap: 1468, windowsizeCap: 16, timeoutMs: 1000 };
  const cases: Array<[string, Record<string, string>, { blksize: number; windowsize: number; timeoutMs: number; timeoutFromClient: boolean; oack: Array<[string, string]> | null }]> = [
    ['no options: RFC 1350', {}, { blksize: 512, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: null }],
    ['Pi 4', { tsize: '0', blksize: '1024' }, { blksize: 1024, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: [['tsize', '4242'], ['blksize', '1024']] }],
    ['blksize above cap clamps', { blksize: '70000' }, { blksize: 1468, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: [['blksize', '1468']] }],
    ['blksize 0 is not acknowledged', { blksize: '0' }, { blksize: 512, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: null }],
    ['blksize 8 is the minimum', { blksize: '8' }, { blksize: 8, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: [['blksize', '8']] }],
    ['tsize -1 is not acknowledged', { tsize: '-1' }, { blksize: 512, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: null }],
    ['windowsize capped', { windowsize: '64' }, { blksize: 512, windowsize: 16, timeoutMs: 1000, timeoutFromClient: false, oack: [['windowsize', '16']] }],
    ['timeout echoed', { timeout: '3' }, { blksize: 512, windowsize: 1, timeoutMs: 3000, timeoutFromClient: true, oack: [['timeout', '3']] }],
    ['timeout 0 refused', { timeout: '0' }, { blksize: 512, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: null }],
    ['unknown options ignored', { multicast: '', utimeout: '5000' }, { blksize: 512, windowsize: 1, timeoutMs: 1000, timeoutFromClient: false, oack: null }],
  ];
  for (const [name, requested, want] of cases) {
    it(name, () => assert.deepEqual(negotiate(requested, 4242, limits), want));
  }
});

describe('packets', () => {
  it('parses an RRQ with lowercased options, first occurrence winning', () => {
    const pkt = parsePacket(requestPacket(1, 'start4.elf', 'OCTET', { TSIZE: '0', blksize: '1024', tsize: '9', dangling: '' }));
    assert.deepEqual(pkt, { op: 1, filename: 'start4.elf', mode: 'octet', options: { tsize: '0', blksize: '1024', dangling: '' } });
  });
  it('rejects requests without terminators and short packets', () => {
    for (const hex of ['', '00', '0001', '000161', '0004', '00050001']) assert.equal(parsePacket(Buffer.from(hex, 'hex')) === null, hex !== '00050001', hex);
  });
  it('rolls DATA block numbers over to 0 after 65535', () => {
    assert.deepEqual([...dataHeader(65535)], [0, 3, 0xff, 0xff]);
    assert.deepEqual([...dataHeader(65536)], [0, 3, 0, 0]);
    assert.deepEqual([...dataHeader(65537)], [0, 3, 0, 1]);
  });
  it('builds ERROR and OACK packets', () => {
    assert.deepEqual(parsePacket(errorPacket(1, 'file not found')), { op: 5, code: 1, message: 'file not found' });
    assert.equal(oackPacket([['tsize', '5'], ['blksize', '1024']]).toString('latin1'), '\0\x06tsize\x005\0blksize\x001024\0');
  });
});

describe('tftp config', () => {
  it('defaults the retransmit bounds and refuses a floor above the cap', () => {
    const c = loadConfig({}, {});
    assert.deepEqual([c.tftp.rtoMinMs, c.tftp.rtoMaxMs, c.trustLoopback], [10, 2000, true]);
    const dir = mkdtempSync(path.join(tmpdir(), 'bootherd-tftp-config-'));
    try {
      writeFileSync(path.join(dir, 'c.yaml'), 'tftp:\n  rtoMinMs: 500\n  rtoMaxMs: 100\n');
      assert.throws(() => loadConfig({ config: path.join(dir, 'c.yaml') }, {}), (err: ConfigError) => err.issues.some((i) => i.path === 'tftp.rtoMinMs'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
