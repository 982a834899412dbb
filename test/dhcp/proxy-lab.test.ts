// bootherd's proxyDHCP on a real DHCP segment: real dnsmasq hands out the
// leases, `bootherd serve --proxy-dhcp br0` answers the PXE clients. A Pi 4
// DISCOVER with option 97 is enrolled with serial, MAC and model linked before
// any TFTP request; a `local` node gets no proxy answer; PXE ROMs and iPXE get
// their files; and real dnsmasq, configured by `bootherd dhcp-config`, answers
// a Pi with the same option 43 bytes as bootherd.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/process.js';
import { piMachineId, type SeenReply } from './client.js';
import { createLab, startLabBootherd, type Lab, type LabBootherd } from './lab.js';

const PI = { mac: 'dc:a6:32:2e:f8:ed', serial: '5b154510', revision: 'a03111' };
const dnsmasqPi43 = '06010' + '30a0400505845091400001152617370626572727920506920426f6f74ff';

describe('proxyDHCP on a real DHCP segment', { timeout: 180_000 }, () => {
  let lab: Lab;
  let b: LabBootherd;
  const pi43: string[] = [];
  before(async () => {
    lab = createLab();
    const data = path.join(lab.tmp, 'data');
    mkdirSync(path.join(lab.tmp, 'fw'), { recursive: true });
    b = await startLabBootherd(lab, data, ['--tftp', '0.0.0.0:69', '--firmware-dir', path.join(lab.tmp, 'fw'), '--proxy-dhcp', 'br0', '--log-level', 'warn']);
  });
  after(async () => {
    await b?.stop();
    lab?.close();
  });
  const ours = (r: SeenReply[]) => r.filter((x) => x.serverId === lab.serverIp);
  const dnsmasqs = (r: SeenReply[]) => r.filter((x) => x.serverId === lab.dhcpIp);
  const why = (r: SeenReply[]) => `replies: ${JSON.stringify(r)}\nbootherd:\n${b.output()}\ndnsmasq:\n${lab.dnsmasqLog().slice(-2000)}`;

  it('says at start what it answers and what it needs', () => {
    assert.match(b.output(), new RegExp(`dhcp: proxyDHCP on br0 \\(${lab.serverIp.replace(/\./g, '\\.')}\\), UDP 67 and 4011: answers Raspberry Pi`));
    assert.match(b.output(), /root or CAP_NET_BIND_SERVICE.*no CAP_NET_RAW/);
  });

  it('a Pi 4 DISCOVER gets dnsmasq\'s lease and bootherd\'s boot offer, and is enrolled with serial, MAC and model linked', () => {
    const replies = lab.client({ mac: PI.mac, xid: 0x1001, machineId: piMachineId('RPi4', PI.revision, PI.mac, PI.serial) });
    const lease = dnsmasqs(replies);
    assert.equal(lease.length, 1, why(replies));
    assert.ok(lease[0]!.yiaddr.startsWith(lab.prefix + '.1'), why(replies));
    const offer = ours(replies);
    assert.equal(offer.length, 1, why(replies));
    const o = offer[0]!;
    assert.equal(o.type, 2);
    assert.equal(o.yiaddr, '0.0.0.0', 'a proxy offers no address');
    assert.equal(o.siaddr, lab.serverIp);
    assert.equal(o.vendorClass, 'PXEClient');
    assert.equal(o.opt66, lab.serverIp);
    assert.equal(o.opt43, dnsmasqPi43);
    assert.equal(o.opt97, piMachineId('RPi4', PI.revision, PI.mac, PI.serial).toString('hex'));
    pi43.push(o.opt43!);

    const node = b.api('GET', `/api/v1/nodes/${PI.serial}`);
    assert.equal(node.status, 200, JSON.stringify(node.body));
    assert.equal(node.body.identity.serial, PI.serial);
    assert.deepEqual(node.body.identity.macs, [PI.mac]);
    assert.equal(node.body.hardware.model, 'Raspberry Pi 4 Model B');
    assert.equal(node.body.hardware.revision, PI.revision);
    assert.equal(node.body.lastBoot, null, 'known before any TFTP request');
    assert.equal(b.api('GET', `/api/v1/nodes/${PI.mac}`).body.id, node.body.id);
    const events = b.api('GET', `/api/v1/nodes/${node.body.id}/events`).body.events as Array<{ kind: string; data: Record<string, unknown> }>;
    const dhcp = events.filter((e) => e.kind === 'dhcp');
    assert.equal(dhcp.length, 1, JSON.stringify(events));
    assert.equal(dhcp[0]!.data.serial, PI.serial);
    assert.equal(dhcp[0]!.data.mac, PI.mac);
  });

  it('the same serial from another MAC is an identity conflict, never a second record', () => {
    const other = 'dc:a6:32:99:88:77';
    lab.client({ mac: other, xid: 0x1002, machineId: piMachineId('RPi4', PI.revision, other, PI.serial) }, { waitMs: 1500 });
    const node = b.api('GET', `/api/v1/nodes/${PI.serial}`).body;
    assert.match(String(node.conflict), /serial/);
    assert.deepEqual(node.identity.macs, [PI.mac]);
    assert.equal(b.api('GET', `/api/v1/nodes/${other}`).status, 404);
    const kinds = (b.api('GET', `/api/v1/nodes/${node.id}/events`).body.events as Array<{ kind: string }>).map((e) => e.kind);
    assert.ok(kinds.includes('identity-conflict'), kinds.join(' '));
  });

  it('an option 97 naming another board\'s MAC is answered by nobody but dnsmasq and enrolls nothing', () => {
    const replies = lab.client({ mac: 'dc:a6:32:00:00:01', xid: 0x1003, machineId: piMachineId('RPi4', PI.revision, 'dc:a6:32:ab:cd:ef', '0badcafe') }, { waitMs: 2000 });
    assert.equal(ours(replies).length, 0, why(replies));
    assert.equal(dnsmasqs(replies).length, 1, why(replies));
    assert.equal(b.api('GET', '/api/v1/nodes/0badcafe').status, 404);
  });

  it('a node set to local gets no proxy answer: the Pi sees only dnsmasq\'s offer', () => {
    const id = b.api('GET', `/api/v1/nodes/${PI.mac}`).body.id as string;
    const put = b.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'local' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const replies = lab.client({ mac: PI.mac, xid: 0x1004, machineId: piMachineId('RPi4', PI.revision, PI.mac, PI.serial) }, { waitMs: 3000 });
    assert.equal(dnsmasqs(replies).length, 1, why(replies));
    assert.equal(ours(replies).length, 0, why(replies));
  });

  it('a BIOS PXE ROM gets undionly.kpxe, UEFI firmware ipxe.efi on port 4011, iPXE the chain URL', () => {
    const guid = Buffer.from('004c4c4544003510805ab4c04f564432', 'hex');
    const bios = ours(lab.client({ mac: '52:54:00:aa:00:01', xid: 0x2001, machineId: guid, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' }, { waitMs: 2000 }));
    assert.equal(bios.length, 1);
    assert.equal(bios[0]!.file, 'undionly.kpxe');
    assert.equal(bios[0]!.opt43, '060108ff', 'discovery control: boot the file in the offer');
    assert.equal(bios[0]!.siaddr, lab.serverIp);
    // Requests to port 4011 are unicast from a configured client.
    lab.exec(lab.ns.client, ['ip', 'addr', 'add', `${lab.prefix}.50/24`, 'dev', 'eth0']);
    const efi = lab.client({ mac: '52:54:00:aa:00:02', xid: 0x2002, arch: 7, message: 3, vendorClass: 'PXEClient:Arch:00007:UNDI:003016', ciaddr: `${lab.prefix}.50`, serverId: lab.serverIp },
      { to: lab.serverIp, port: 4011, bindIp: `${lab.prefix}.50`, waitMs: 1500 });
    assert.equal(efi.length, 1, JSON.stringify(efi));
    assert.equal(efi[0]!.type, 5);
    assert.equal(efi[0]!.file, 'ipxe.efi');
    assert.equal(efi[0]!.opt43, '470480000000ff', 'the boot item echoed');
    const ipxe = ours(lab.client({ mac: '52:54:00:aa:00:03', xid: 0x2003, userClass: 'iPXE' }, { waitMs: 2000 }));
    assert.equal(ipxe[0]?.file, `http://${lab.serverIp}:${b.port}/boot.ipxe`);
    const arm = lab.client({ mac: '52:54:00:aa:00:04', xid: 0x2004, arch: 11, message: 3, vendorClass: 'PXEClient:Arch:00011:UNDI:003000', ciaddr: `${lab.prefix}.50`, serverId: lab.serverIp },
      { to: lab.serverIp, port: 4011, bindIp: `${lab.prefix}.50`, waitMs: 1500 });
    assert.equal(arm[0]?.file, 'snp.efi');
    // A non-PXE DHCP client is the site server's business alone.
    const plain = lab.client({ mac: '52:54:00:aa:00:05', xid: 0x2005, vendorClass: 'udhcp 1.36.1' }, { waitMs: 2000 });
    assert.equal(ours(plain).length, 0);
    assert.equal(b.api('GET', '/api/v1/nodes/52:54:00:aa:00:01').status, 404, 'only a Pi\'s option 97 enrolls at DHCP time');
  });

  it('/metrics counts requests by client kind and outcome', () => {
    const r = b.api('GET', '/metrics');
    const text = String(r.body);
    assert.match(text, /# TYPE bootherd_dhcp_requests_total counter/);
    for (const [kind, outcome] of [['pi', 'offered'], ['pi', 'step-aside'], ['pi', 'bad-option-97'], ['bios', 'offered'], ['uefi-x64', 'acked'], ['ipxe', 'offered'], ['unknown', 'not-pxe']]) {
      assert.match(text, new RegExp(`bootherd_dhcp_requests_total\\{kind="${kind}",outcome="${outcome}"\\} [1-9]`), `${kind} ${outcome}\n${text}`);
    }
  });

  it('real dnsmasq configured by `bootherd dhcp-config` tags a Pi 4 by option 97 and sends the same option 43', async () => {
    await b.stop();
    const conf = await runCli(['dhcp-config', '--dnsmasq', '--proxy', '--range', `${lab.prefix}.0`, '--advertise', lab.serverIp, '--interface', 'br0']);
    assert.equal(conf.code, 0, conf.stderr);
    const file = path.join(lab.tmp, 'proxy.conf');
    writeFileSync(file, conf.stdout);
    const proxy = lab.spawnIn(lab.ns.server, ['dnsmasq', '--no-daemon', `--conf-file=${file}`, `--log-facility=${path.join(lab.tmp, 'proxy.log')}`, `--pid-file=${path.join(lab.tmp, 'proxy.pid')}`]);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      // Not a Raspberry Pi MAC prefix: only option 97 can make dnsmasq see a Pi.
      const mac = '02:11:22:33:44:55';
      const replies = lab.client({ mac, xid: 0x3001, machineId: piMachineId('RPi4', PI.revision, mac, '1234abcd') }, { waitMs: 3000 });
      const offer = ours(replies);
      assert.equal(offer.length, 1, JSON.stringify(replies));
      assert.equal(offer[0]!.opt43, pi43[0], 'dnsmasq and bootherd encode option 43 alike');
    } finally {
      proxy.kill('SIGKILL');
    }
  });
});
