// A small tmpfs for disk-full tests: mounted at a new directory, filled to ENOSPC on
// demand, unmounted and removed by unmountAll (call it from after(), even on failure).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mounts: string[] = [];

/** A tmpfs of `size` at a new directory, or the reason it cannot be had here (not root, no mount). */
export function mountTmpfs(size: string): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ipct-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (needs root and mount permission): ${String((err as Error).message).split('\n')[0]}` };
  }
  mounts.push(dir);
  return { dir };
}

/** Fill what room is left in `dir` with one file; returns its path. */
export function fillUp(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Unmount and remove every tmpfs mounted here. */
export function unmountAll(): void {
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      // already unmounted
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
