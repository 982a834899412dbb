// A small golden root for the roots tests.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A small golden root: files, a nested dir, a symlink, an executable. */
export async function writeGolden(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'etc'), { recursive: true });
  await mkdir(path.join(dir, 'usr/bin'), { recursive: true });
  await writeFile(path.join(dir, 'etc/hostname'), 'golden\n');
  await writeFile(path.join(dir, 'etc/motd'), 'welcome\n');
  await writeFile(path.join(dir, 'usr/bin/tool'), '#!/bin/sh\n', { mode: 0o755 });
  await symlink('usr/bin', path.join(dir, 'bin'));
}

