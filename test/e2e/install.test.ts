// Installs end to end through a real bootherd: an arm64 VM boots the
// discovery image bootherd serves, enrolls, and in that one boot is given four
// installs in turn (each a new assignment): an image larger than its disk
// (refused, nothing written), a corrupted xz image (failed), a disk that
// silently drops writes (QEMU's null-co driver: read-back fails), and finally
// an xz image kept on the bootherd host that lands byte for byte, after which
// the node deploys to usb-root with the PARTUUID from the report and reboots.
// (This supersedes the install test that ran against a stand-in API.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { guestConsole, requireQemu, startVm, type Vm } from '../helpers/qemu.js';
import { mbrPatches, writeImage } from '../image/disk-images.js';
import { buildIntoDataDir, nodeEvents, sha256, startBootherd, tail, waitFor, type Bootherd } from './support.js';

const MAC = '52:54:00:e2:f1:01';
const MiB = 1024 * 1024;

it('one VM, four installs through bootherd: too small, corrupt, dropped writes, then a good xz image', { timeout: 15 * 60_000 }, async (t) => {
  requireQemu('arm64');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-e2e-install-'));
  let bootherd: Bootherd | undefined;
  let vm: Vm | undefined;
  try {
    const dataDir = path.join(tmp, 'data');
    await buildIntoDataDir('arm64', dataDir, (line) => t.diagnostic(line));
    bootherd = await startBootherd(dataDir);
    const b = bootherd;
    const ok = async (method: string, p: string, body?: unknown) => {
      const r = await b.api(method, p, body);
      assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    // The images: a 6 MiB raw disk image with an MBR, as xz; a copy of that xz with one byte flipped.
    const raw = path.join(tmp, 'os.img');
    await writeImage(raw, 6 * MiB, mbrPatches(0x1a57a11, [{ start: 2048, sectors: 2048, fs: 'vfat', mbrType: 0x0c }, { start: 4096, sectors: 6144, fs: 'ext4' }]));
    const rawBytes = await readFile(raw);
    rawBytes.fill(0x5a, 3 * MiB, 5 * MiB);
    await writeFile(raw, rawBytes);
    const xz = raw + '.xz';
    execFileSync('sh', ['-c', `xz -T1 -1 -c "${raw}" > "${xz}"`]);
    const corrupt = path.join(tmp, 'corrupt.img.xz');
    const bad = Buffer.from(await readFile(xz));
    bad[Math.floor(bad.length / 2)]! ^= 0xff;
    await writeFile(corrupt, bad);
    const bootDir = path.join(tmp, 'boot');
    await mkdir(bootDir);
    await writeFile(path.join(bootDir, 'kernel8.img'), 'kernel');
    const disk = (file: string, buf: Buffer) => ({ path: file, sha256: sha256(buf), sizeBytes: rawBytes.length, compression: 'xz' });
    await ok('PUT', '/api/v1/images/os', { arch: 'arm64', bootDir, disk: disk(xz, await readFile(xz)) });
    await ok('PUT', '/api/v1/images/corrupt', { arch: 'arm64', bootDir, disk: disk(corrupt, bad) });

    // The disks: SMALL (4 MiB, smaller than the image), GOOD (16 MiB), DROPS (null-co: writes vanish, reads are zeros).
    const small = path.join(tmp, 'small.img');
    const good = path.join(tmp, 'good.img');
    await writeImage(small, 4 * MiB, []);
    await writeImage(good, 16 * MiB, []);
    const prefix = MAC.replace(/:/g, '-');
    const files: Record<string, string> = {};
    for (const name of ['vmlinuz', 'initramfs.gz']) {
      const got = await b.fetchBytes(`/boot/${prefix}/${name}`);
      assert.equal(got.status, 200);
      files[name] = path.join(tmp, name);
      await writeFile(files[name], got.bytes);
    }
    const cmdline = String((await b.api('GET', `/api/v1/nodes/${MAC}/boot-files/cmdline.txt`)).body).trim();
    const append = cmdline.replace('console=serial0,115200 console=tty1', `console=${guestConsole('arm64')}`);
    const v = await startVm({
      arch: 'arm64', serialLog: path.join(tmp, 'serial.log'), memoryMiB: 512, mac: MAC,
      disks: [{ file: small, serial: 'BH-SMALL' }, { file: good, serial: 'BH-GOOD' }],
      extraArgs: ['-blockdev', `driver=null-co,node-name=drops,size=${64 * MiB},read-zeroes=on`, '-device', 'virtio-blk-pci,drive=drops,serial=BH-DROPS'],
      boot: { kind: 'direct', kernel: files['vmlinuz']!, initrd: files['initramfs.gz']!, append },
    });
    vm = v;
    const node = async () => (await b.api('GET', `/api/v1/nodes/${MAC}`)).body;
    const describe = async () => `node: ${JSON.stringify(await node())}\nserial:\n${tail(await v.readSerial())}`;
    const until = (what: string, pred: (n: any) => boolean) => waitFor(what, 4 * 60_000, async () => {
      const exited = v.process.exitCode !== null;
      const n = await node();
      if (pred(n)) return n;
      if (exited) throw new Error(`qemu exited early\n${await describe()}`);
      return undefined;
    }, describe);
    await until('the node to reach ready', (n) => n.state === 'ready');
    const assign = (image: string, diskId: string, then: unknown = { kind: 'local' }) => ok('PUT', `/api/v1/nodes/${MAC}/target`, { kind: 'install', image, disk: diskId, then });

    await assign('os', 'virtio-BH-SMALL');
    let n = await until('the too-small install to fail', (x) => x.state === 'failed');
    assert.match(n.failure, /too small: the image is 6291456 bytes, the disk 4194304 bytes; nothing was written/);
    assert.ok((await readFile(small)).every((byte) => byte === 0), 'nothing was written to the small disk');

    await assign('corrupt', 'BH-GOOD');
    n = await until('the corrupt install to fail', (x) => x.state === 'failed');
    assert.match(n.failure, /corrupt or truncated: xz decompression failed/);

    await assign('os', 'virtio-BH-DROPS');
    n = await until('the install onto the disk that drops writes to fail', (x) => x.state === 'failed');
    assert.match(n.failure, /read-back mismatch/);

    await assign('os', 'virtio-BH-GOOD', { kind: 'usb-root' });
    n = await until('the good install to deploy', (x) => x.state === 'deployed');
    assert.deepEqual(n.target, { kind: 'usb-root', partuuid: '01a57a11-02', image: 'os' });
    assert.equal(n.nextBoot, 'usb-root os -> PARTUUID=01a57a11-02');
    const exit = await v.waitForExit(3 * 60_000);
    assert.equal(exit.code, 0, tail(await v.readSerial()));
    assert.deepEqual((await readFile(good)).subarray(0, rawBytes.length), rawBytes, 'the good disk holds the image byte for byte');
    const serial = await v.readSerial();
    const dev = /install: writing \S+ \(xz\) to \/dev\/(vd[a-z]) \(virtio-BH-GOOD\)/.exec(serial)?.[1];
    assert.ok(dev, tail(serial));
    assert.match(serial, new RegExp(`install: read back 6291456 bytes from /dev/${dev}: sha256 matches`));
    // What the installer reported after re-reading the partition table of the disk it wrote.
    const report = (await nodeEvents(b, MAC)).filter((e) => e.kind === 'install-report').at(-1);
    assert.deepEqual(report?.data.partitions, [
      { name: `${dev}1`, number: 1, sizeBytes: 2048 * 512, partuuid: '01a57a11-01', fstype: 'vfat' },
      { name: `${dev}2`, number: 2, sizeBytes: 6144 * 512, partuuid: '01a57a11-02', fstype: 'ext4' },
    ]);
  } finally {
    vm?.kill();
    await bootherd?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
});
