// The DHCP codec: real-shaped packets round-trip, long options split and
// join (RFC 3396), overloaded file/sname fields are read, the Pi's option 43
// is dnsmasq's bytes, and malformed datagrams are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { piVendorOptions } from '../../src/core/dhcp-route.js';
import { DhcpDecodeError, Opt, decodePacket, encodePacket, macOf, type DhcpPacketInput } from '../../src/dhcp/packet.js';
import { encodeVendorOptions, pxeFacts } from '../../src/dhcp/pxe.js';
import { helloPacket, piMachineId } from './client.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const mac = Buffer.from([0xdc, 0xa6, 0x32, 0x2e, 0xf8, 0xed]);

describe('dhcp codec', () => {
  it('round-trips a Pi 4 DISCOVER and reads its PXE options', () => {
    const wire = helloPacket({ mac: 'dc:a6:32:2e:f8:ed', xid: 0x2b0e1a45, machineId: piMachineId('RPi4', 'a03111', 'dc:a6:32:2e:f8:ed', '5b154510') });
    const p = decodePacket(wire);
    assert.equal(p.op, 1);
    assert.equal(p.xid, 0x2b0e1a45);
    assert.equal(p.flags, 0x8000);
    assert.equal(macOf(p), 'dc:a6:32:2e:f8:ed');
    const f = pxeFacts(p);
    assert.equal(f.vendorClass, 'PXEClient:Arch:00000:UNDI:002001');
    assert.deepEqual(f.arches, [0]);
    assert.deepEqual(f.ndi, { type: 1, major: 2, minor: 1 });
    // The first capture in PI-NETBOOT.md, from a real Pi 4.
    assert.deepEqual(Buffer.from(f.machineId!), hex('00 52 50 69 34 11 31 a0 00 32 2e f8 ed 10 45 15 5b'));
    const again = encodePacket({ ...p, options: [...p.options.entries()] }, { minSize: 300 });
    assert.deepEqual(again, wire);
  });

  it('reads iPXE\'s bare user class and an RFC 3004 list alike', () => {
    const bare = pxeFacts(decodePacket(helloPacket({ mac: '52:54:00:12:34:56', xid: 1, userClass: 'iPXE' })));
    assert.deepEqual(bare.userClasses, ['iPXE']);
    const listed = decodePacket(encodePacket({ op: 1, xid: 2, chaddr: mac, options: [[Opt.userClass, hex('04 69505845 03 666f6f')]] }));
    assert.deepEqual(pxeFacts(listed).userClasses, ['iPXE', 'foo']);
  });

  it('encodes the Pi\'s option 43 byte for byte as dnsmasq does (PI-NETBOOT.md)', () => {
    const dnsmasq = Buffer.concat([hex('06 01 03'), hex('0a 04 00'), Buffer.from('PXE'), hex('09 14 00 00 11'), Buffer.from('Raspberry Pi Boot'), hex('ff')]);
    assert.deepEqual(encodeVendorOptions(piVendorOptions), dnsmasq);
  });

  it('splits an option over 255 bytes into instances and joins them back (RFC 3396)', () => {
    const long = Buffer.alloc(600, 0x41);
    const wire = encodePacket({ op: 2, xid: 7, chaddr: mac, options: [[Opt.messageType, Buffer.from([2])], [Opt.bootFile, long]] }, { maxSize: 1472 });
    const at = wire.indexOf(Buffer.from([Opt.bootFile, 255]), 240);
    assert.ok(at > 0, 'first instance is 255 bytes');
    assert.equal(wire[at + 2 + 255], Opt.bootFile, 'second instance follows');
    assert.deepEqual(decodePacket(wire).options.get(Opt.bootFile), long);
    // Instances of one option apart from each other are joined in order.
    const apart = encodePacket({ op: 1, xid: 8, chaddr: mac, options: [[Opt.vendorClass, Buffer.from('PXECl')], [Opt.messageType, Buffer.from([1])], [Opt.vendorClass, Buffer.from('ient')]] });
    assert.equal(decodePacket(apart).options.get(Opt.vendorClass)!.toString(), 'PXEClient');
  });

  it('reads options moved into file and sname by option 52, in RFC 3396 order', () => {
    const buf = Buffer.alloc(300);
    buf[0] = 1; buf[1] = 1; buf[2] = 6;
    mac.copy(buf, 28);
    hex('63825363').copy(buf, 236);
    // options: overload=3, message type, first part of 60; file: rest of 60; sname: 77.
    Buffer.concat([hex('34 01 03 35 01 01 3c 03'), Buffer.from('PXE'), hex('ff')]).copy(buf, 240);
    Buffer.concat([hex('3c 06'), Buffer.from('Client'), hex('ff')]).copy(buf, 108);
    Buffer.concat([hex('4d 04'), Buffer.from('iPXE'), hex('ff')]).copy(buf, 44);
    const p = decodePacket(buf);
    assert.equal(p.options.get(Opt.vendorClass)!.toString(), 'PXEClient');
    assert.equal(p.options.get(Opt.userClass)!.toString(), 'iPXE');
    assert.equal(p.file, '');
    assert.equal(p.sname, '');
  });

  it('spills options into file and sname when they exceed 576 bytes, and reads them back', () => {
    const options: DhcpPacketInput['options'] = [[Opt.messageType, Buffer.from([2])], [Opt.vendorClass, Buffer.from('PXEClient')]];
    for (let code = 200; code < 203; code++) options.push([code, Buffer.alloc(120, code)]);
    const wire = encodePacket({ op: 2, xid: 9, chaddr: mac, options });
    assert.ok(wire.length <= 576, `${wire.length} bytes`);
    assert.equal(wire.indexOf(Buffer.from([Opt.overload, 1])), 240, 'option 52 comes first');
    const p = decodePacket(wire);
    for (const [code, value] of options) assert.deepEqual(p.options.get(code), value, `option ${code}`);
  });

  it('refuses truncated and inconsistent datagrams', () => {
    const good = helloPacket({ mac: 'dc:a6:32:2e:f8:ed', xid: 3 });
    const endOfOptions = good.indexOf(0xff, 240);
    const bad: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['header only', good.subarray(0, 236)],
      ['no cookie', Buffer.concat([good.subarray(0, 236), hex('00000000'), good.subarray(240)])],
      ['cut inside an option', good.subarray(0, 245)],
      ['length past the end', Buffer.concat([good.subarray(0, endOfOptions), hex('3c 40 41 41')])],
      ['length byte missing', Buffer.concat([good.subarray(0, endOfOptions), hex('3c')])],
      ['overload 4', Buffer.concat([good.subarray(0, 240), hex('34 01 04 ff')])],
      ['overload of two bytes', Buffer.concat([good.subarray(0, 240), hex('34 02 01 01 ff')])],
    ];
    const nested = Buffer.from(good);
    hex('34 01 03 ff').copy(nested, 240);
    hex('34 01 01 ff').copy(nested, 108);
    bad.push(['overload inside the file field', nested]);
    for (const [what, buf] of bad) assert.throws(() => decodePacket(buf), DhcpDecodeError, what);
  });
});
