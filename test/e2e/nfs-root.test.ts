// NFS roots end to end: bootherd makes a per-node root for two nodes from a
// small golden busybox root, exports them through NFS-Ganesha (user space, on
// 127.0.0.1), and an arm64 QEMU VM boots the iPXE nfs-root plan bootherd
// serves for one of them: the discovery kernel and initramfs in nfs-root mode
// mount its root over NFSv4 and switch_root into it; its init writes a file
// and sends the heartbeat. The node reaches os-up, and the file lands in its
// own root only.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { startGanesha, type Ganesha } from '../helpers/ganesha.js';
import { guestConsole, requireQemu, startVm, type Vm } from '../helpers/qemu.js';
import { vmWroteFile, writeGoldenRoot } from './golden-root.js';
import { buildIntoDataDir, startBootherd, tail, waitFor, type Bootherd } from './support.js';

const A = { mac: '52:54:00:e2:f0:01', hostname: 'rack9-vm01' };
const B = { mac: '52:54:00:e2:f0:02', hostname: 'rack9-vm02' };

it('a VM boots through bootherd into its own NFS root (ganesha), sends the heartbeat, reaches os-up; its write lands in its root only', { timeout: 15 * 60_000 }, async (t) => {
  requireQemu('arm64');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-e2e-nfs-'));
  let ganesha: Ganesha | undefined;
  let bootherd: Bootherd | undefined;
  let vm: Vm | undefined;
  try {
    const dataDir = path.join(tmp, 'data');
    await buildIntoDataDir('arm64', dataDir, (line) => t.diagnostic(line));
    const golden = path.join(tmp, 'golden');
    await writeGoldenRoot(golden);
    ganesha = await startGanesha(path.join(tmp, 'ganesha'));
    const rootsDir = path.join(tmp, 'roots');
    await mkdir(rootsDir);
    const config = { roots: { dir: rootsDir, provider: 'copy' }, exports: { kind: 'ganesha', file: ganesha.exportsFile, reloadCommand: ['kill', '-HUP', String(ganesha.pid)], nfsVersions: [4] } };
    await writeFile(path.join(tmp, 'bootherd.json'), JSON.stringify(config));
    bootherd = await startBootherd(dataDir, ['--config', path.join(tmp, 'bootherd.json')]);
    const b = bootherd;
    const ok = async (method: string, p: string, body?: unknown) => {
      const r = await b.api(method, p, body);
      assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await ok('PUT', '/api/v1/images/busybox-golden', { arch: 'arm64', rootDir: golden });
    const ipxe = (mac: string) => b.fetchBytes(`/ipxe?mac=${mac.replace(/:/g, '-')}&buildarch=arm64&platform=efi`);
    const nodes: Record<string, any> = {};
    for (const n of [A, B]) {
      assert.equal((await ipxe(n.mac)).status, 200);
      await ok('PATCH', `/api/v1/nodes/${n.mac}`, { hostname: n.hostname });
      nodes[n.hostname] = await ok('PUT', `/api/v1/nodes/${n.mac}/target`, { kind: 'nfs-root', image: 'busybox-golden', options: `vers=4.1,port=${ganesha.port}` });
    }
    const a = nodes[A.hostname];
    const rootA = path.join(rootsDir, A.hostname);
    const rootB = path.join(rootsDir, B.hostname);
    assert.deepEqual([a.state, a.target.server, a.target.path, a.root.provider, a.root.image, a.root.exported], ['deployed', '10.0.2.2', rootA, 'copy', 'busybox-golden', true]);
    assert.equal(a.nextBoot, `nfs-root busybox-golden -> 10.0.2.2:${rootA}`);
    assert.equal(await readFile(path.join(rootA, 'etc/hostname'), 'utf8'), `${A.hostname}\n`);
    const exportsText = await readFile(ganesha.exportsFile, 'utf8');
    assert.equal((exportsText.match(/^EXPORT \{$/gm) ?? []).length, 2, exportsText);
    assert.ok(exportsText.includes(`Path = "${rootA}";`) && exportsText.includes(`Path = "${rootB}";`), exportsText);

    // What an arm64 iPXE would run, booted directly: kernel and initramfs from bootherd's boot files.
    const script = (await ipxe(A.mac)).bytes.toString();
    const kernelLine = /^kernel (\S+) (.*) \|\| goto failed$/m.exec(script);
    const initrdLine = /^initrd (\S+) \|\| goto failed$/m.exec(script);
    assert.ok(kernelLine && initrdLine, script);
    assert.match(kernelLine[2]!, new RegExp(`bootherd\\.mode=nfs-root bootherd\\.nfsroot=10\\.0\\.2\\.2:${rootA} `));
    const files: Record<string, string> = {};
    for (const [name, url] of [['vmlinuz', kernelLine[1]!], ['initrd', initrdLine[1]!]] as const) {
      const got = await b.fetchBytes(new URL(url).pathname);
      assert.equal(got.status, 200, url);
      files[name] = path.join(tmp, name);
      await writeFile(files[name], got.bytes);
    }
    const append = kernelLine[2]!.replace(/initrd=\S+ /, '').replace('console=tty0 console=ttyS0,115200', `console=${guestConsole('arm64')}`);
    t.diagnostic(`append: ${append}`);
    const started = Date.now();
    const v = await startVm({ arch: 'arm64', serialLog: path.join(tmp, 'serial.log'), memoryMiB: 512, mac: A.mac, boot: { kind: 'direct', kernel: files.vmlinuz!, initrd: files.initrd!, append } });
    vm = v;
    const describe = async () => `node: ${JSON.stringify((await b.api('GET', `/api/v1/nodes/${A.mac}`)).body)}\nserial:\n${tail(await v.readSerial())}\nganesha:\n${tail(await ganesha!.log(), 1500)}`;
    const up = await waitFor('node A to reach os-up', 6 * 60_000, async () => {
      const exited = v.process.exitCode !== null;
      const n = (await b.api('GET', `/api/v1/nodes/${A.mac}`)).body;
      if (n.lastBoot?.stage === 'os-up') return n;
      if (exited) throw new Error(`qemu exited before os-up\n${await describe()}`);
      return undefined;
    }, describe);
    t.diagnostic(`boot to os-up over NFS took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(up.state, 'deployed');
    const exit = await v.waitForExit(2 * 60_000);
    assert.equal(exit.code, 0, tail(await v.readSerial()));
    const serial = await v.readSerial();
    assert.match(serial, new RegExp(`golden-init: up as ${A.hostname} from its NFS root`));
    assert.match(serial, /golden-init: heartbeat sent/);

    assert.equal(await readFile(path.join(rootA, vmWroteFile), 'utf8'), `written by ${A.hostname}\n`);
    assert.equal(existsSync(path.join(rootB, vmWroteFile)), false, "the other node's root is untouched");
    assert.equal(existsSync(path.join(golden, vmWroteFile)), false, 'the golden root is untouched');
    assert.equal(await readFile(path.join(golden, 'etc/hostname'), 'utf8'), 'golden\n');

    // Booted from its root: reprovisioning is refused unless forced.
    const re = await b.api('POST', `/api/v1/nodes/${A.mac}/actions/reprovision-root`);
    assert.equal(re.status, 409, JSON.stringify(re.body));
    assert.equal(re.body.error, 'root-in-use');
  } finally {
    vm?.kill();
    await bootherd?.stop();
    await ganesha?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
});
