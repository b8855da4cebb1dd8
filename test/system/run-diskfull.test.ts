/**
 * `trading run` with its trade log on a full disk (a 64 KiB tmpfs): the supervisor says
 * what is wrong ("ordermanager: ... trade log: disk full") and stops with a non-zero exit,
 * rather than restart the order manager anonymously.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';

const mounts: string[] = [];
after(async () => {
  await cleanupAll();
  for (const dir of mounts) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      // already unmounted
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trading run on a full disk: the supervisor names the problem, "ordermanager: ... trade log: disk full", and exits 1', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipct-run-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here (needs root and mount permission): ${String((err as Error).message).split('\n')[0]}`);
    return;
  }
  mounts.push(dir);
  const fd = openSync(join(dir, 'filler'), 'w');
  try {
    for (;;) writeSync(fd, Buffer.alloc(1024));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  const shm = uniqueShmName('run-diskfull');
  const child = spawnCli([
    'run', '--gateway-port', '0', '--order-manager-port', '0', '--shm', shm,
    '--trade-log', join(dir, 'trades.log'), '--summary', join(tempDir('run-diskfull'), 'summary.json'),
  ]);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  assert.equal(await waitForExit(child), 1, text);
  assert.match(text, /ordermanager.*E_TRADE_LOG_UNAVAILABLE: trade log: disk full \(ENOSPC\)/);
  assert.doesNotMatch(text, /system ready/);
  assert.equal(existsSync(`/dev/shm${shm}`), false, 'shared memory removed');
});
