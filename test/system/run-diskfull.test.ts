/**
 * `trading run` with its trade log on a full disk (a 64 KiB tmpfs): the supervisor says
 * what is wrong ("ordermanager: ... trade log: disk full") and stops with a non-zero exit,
 * rather than restart the order manager anonymously.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { TMPFS_SKIP, fillUp, mountTmpfs, unmountAll } from '../helpers/tmpfs.js';

after(async () => {
  await cleanupAll();
  unmountAll();
});

test('trading run on a full disk: the supervisor names the problem, "ordermanager: ... trade log: disk full", and exits 1', { skip: TMPFS_SKIP, timeout: 60_000 }, async () => {
  const dir = mountTmpfs('64k');
  fillUp(dir);
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
