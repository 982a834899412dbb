// A small golden root for NFS-root tests: the arm64 busybox from the
// discovery-image build cache and an init that proves the node is up from its
// own root: it writes a file into the root, posts a heartbeat with the token
// bootherd rendered into etc/bootherd/node.env, and powers off.
import { chmod, mkdir, readdir, symlink, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { testCacheDir } from '../image/qemu-setup.js';

/** The file the VM writes into its root. */
export const vmWroteFile = 'var/lib/vm-wrote.txt';

const applets = ['sh', 'cat', 'echo', 'mount', 'wget', 'poweroff', 'sleep', 'sync', 'mkdir', 'hostname', 'ls'];

const init = `#!/bin/busybox sh
export PATH=/bin
. /etc/bootherd/node.env
me=$(cat /etc/hostname)
echo "golden-init: up as $me from its NFS root"
mkdir -p /var/lib
echo "written by $me" > /${vmWroteFile}
sync
if wget -q -O /dev/null --header "Authorization: Bearer $BOOTHERD_TOKEN" --header "Content-Type: application/json" --post-data '{"kind":"heartbeat"}' "$BOOTHERD_URL/api/v1/agent/report"; then
  echo "golden-init: heartbeat sent"
else
  echo "golden-init: heartbeat failed"
fi
sync
poweroff -f
`;

/** Writes the golden root into `dir` (arm64 busybox from the test cache's unpacked busybox-static). */
export async function writeGoldenRoot(dir: string): Promise<void> {
  const unpacked = path.join(await testCacheDir(), 'arm64', 'unpacked');
  const pkg = (await readdir(unpacked)).find((d) => d.startsWith('busybox-static_'));
  if (!pkg) throw new Error(`no unpacked arm64 busybox-static under ${unpacked}: build the arm64 discovery image first`);
  for (const d of ['bin', 'sbin', 'etc/bootherd', 'proc', 'sys', 'dev', 'run', 'tmp', 'var']) await mkdir(path.join(dir, d), { recursive: true });
  await copyFile(path.join(unpacked, pkg, 'bin', 'busybox'), path.join(dir, 'bin', 'busybox'));
  await chmod(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const a of applets) await symlink('busybox', path.join(dir, 'bin', a));
  await writeFile(path.join(dir, 'sbin', 'init'), init, { mode: 0o755 });
  await writeFile(path.join(dir, 'etc', 'hostname'), 'golden\n');
}
