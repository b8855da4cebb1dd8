// A small tmpfs for disk-full tests: mounted at a new directory, filled to ENOSPC on
// demand, unmounted and removed by unmountAll (call it from after(), even on failure).
// Where this process may not mount (not root, no mount permission), TMPFS_SKIP says so
// and the tests skip with it.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mounts: string[] = [];

/** A tmpfs of `size` at a new directory; throws with the reason where it cannot be had here. */
export function mountTmpfs(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipct-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs here (needs root and mount permission): ${String((err as Error).message).split('\n')[0]}`, { cause: err });
  }
  mounts.push(dir);
  return dir;
}

/** Why the disk-full tests skip here, or false: found by mounting (and unmounting) a small tmpfs once. */
export const TMPFS_SKIP: string | false = (() => {
  try {
    mountTmpfs('4k');
    return false;
  } catch (err) {
    return `${(err as Error).message}: disk-full tests skipped`;
  } finally {
    unmountAll();
  }
})();

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
