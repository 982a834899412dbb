// One bootherd per data dir: `<data-dir>/bootherd.lock` holds the pid of the
// bootherd using it. A lock whose process is gone (kill -9, power loss) is
// taken over; a live one stops the second bootherd with its pid.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from './errors.js';

/** A held data-dir lock. */
export interface DataDirLock {
  file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock on `dir`; AppError naming the holder's pid if a live process has it. */
export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, 'bootherd.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return { file, release: () => (holder(file) === process.pid ? unlinkSync(file) : undefined) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new AppError('data-dir-lock', `data dir: cannot create ${file}: ${code ?? (err as Error).message}`);
    }
    const pid = holder(file);
    if (pid !== null && alive(pid)) {
      throw new AppError('data-dir-locked', `data dir ${dir} is in use by bootherd pid ${pid} (lock file ${file}): stop that bootherd, or choose another --data-dir`);
    }
    if (attempt >= 2) throw new AppError('data-dir-lock', `data dir: cannot take over the stale lock ${file}; delete it if no bootherd runs on ${dir}`);
    try {
      unlinkSync(file);
    } catch {
      // another starter removed it first; try again
    }
  }
}
