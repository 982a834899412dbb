// One bootherd per data dir: `<data-dir>/bootherd.lock` holds the pid (and,
// on Linux, the start time) of the bootherd using it. A lock whose process is
// gone (kill -9, power loss, a container restarted with the same pid) is taken
// over; a live one stops the second bootherd with its pid.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from './errors.js';

/** A held data-dir lock. */
export interface DataDirLock {
  file: string;
  release(): void;
}

// A process's start time in clock ticks since boot (/proc/PID/stat field 22), or null off Linux.
function startOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number, start: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The same pid with another start time is another process that reused it.
  return start === null || startOf(pid) === null || startOf(pid) === start;
}

function holder(file: string): { pid: number; start: string | null } | null {
  try {
    const [pid, start] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const n = Number(pid);
    return Number.isSafeInteger(n) && n > 0 ? { pid: n, start: start ?? null } : null;
  } catch {
    return null;
  }
}

/** Takes the lock on `dir`; AppError naming the holder's pid if a live process has it. */
export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, 'bootherd.lock');
  const me = `${process.pid} ${startOf(process.pid) ?? ''}`.trim();
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${me}\n`, { flag: 'wx', mode: 0o644 });
      return { file, release: () => (holder(file)?.pid === process.pid ? unlinkSync(file) : undefined) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new AppError('data-dir-lock', `data dir: cannot create ${file}: ${code ?? (err as Error).message}`);
    }
    const h = holder(file);
    if (h && alive(h.pid, h.start)) {
      throw new AppError('data-dir-locked', `data dir ${dir} is in use by bootherd pid ${h.pid} (lock file ${file}): stop that bootherd, or choose another --data-dir`);
    }
    if (attempt >= 2) throw new AppError('data-dir-lock', `data dir: cannot take over the stale lock ${file}; delete it if no bootherd runs on ${dir}`);
    try {
      unlinkSync(file);
    } catch {
      // another starter removed it first; try again
    }
  }
}
