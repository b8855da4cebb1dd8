/**
 * Three hosts in network namespaces (192.0.2.0/24, one bridge), trading over NATS:
 *
 *   host A 192.0.2.1   nats-server (JetStream), gateway, drop copy
 *   host B 192.0.2.2   orderbook (shm B), strategy ──orders, direct TCP──┐
 *   host C 192.0.2.3   orderbook (shm C), order manager ◄───────────────┘
 *
 * Market data reaches B and C only over the bus; fills reach A only through the
 * EXECUTIONS stream. nats-server is restarted mid-run: both books go stale, nothing is
 * filled while they are, trading resumes by itself, and at the end the drop copy on host A
 * equals the trade log on host C, fill for fill, in order. Skipped with the reason where
 * namespaces or nats-server are not available.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { cleanupAll, CLI_PATH, spawnTracked, stopChild, tempDir, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer } from '../helpers/nats-server.js';
import { createNetwork, netnsSkipReason, type TestNetwork } from '../helpers/netns.js';
import { until } from '../gateway/helpers.js';

const SKIP = NATS_SKIP || netnsSkipReason();
let network: TestNetwork | undefined;
after(async () => {
  await cleanupAll(); // processes first: nothing may hold a namespace being removed
  network?.remove();
});

interface HostProcess {
  child: ChildProcess;
  output: () => string;
}

function onHost(net: TestNetwork, host: string, args: readonly string[]): HostProcess {
  const [command, ...prefix] = net.exec(host);
  const child = spawnTracked(command as string, [...prefix, process.execPath, CLI_PATH, ...args], {
    env: { ...process.env, TRADING_LOG_LEVEL: 'info' },
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/** Wait for a host process's ready line; on failure the error carries what it printed. */
async function ready(process: HostProcess, name: string): Promise<string> {
  const pattern = new RegExp(`${name} +ready `);
  // it may have said so already, while we waited for another host
  const said = process.output().split('\n').find((line) => pattern.test(line));
  if (said !== undefined) return said;
  try {
    return await waitForOutput(process.child, pattern, 15_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${name} said:\n${process.output()}`, { cause: err });
  }
}

function fillIds(tradeLog: string): string[] {
  return existsSync(tradeLog) ? readTradeLog(tradeLog).fills.map((fill) => fill.executionId) : [];
}

test('three hosts trade over NATS; a nats-server restart loses nothing from the trade log or the drop copy', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const net = createNetwork(['a', 'b', 'c']);
  network = net;
  const [hostA, hostC] = [net.addresses['a'], net.addresses['c']] as string[];

  const server = await startNatsServer({ host: hostA, prefix: net.exec('a') });
  const bus = server.url;
  assert.match(bus, /^nats:\/\/192\.0\.2\.1:\d+$/);

  const gateway = onHost(net, 'a', ['gateway', '--port', '0', '--rate', '20', '--time-scale', '5', '--bus', bus]);
  await ready(gateway, 'gateway');

  const shmB = uniqueShmName('hostb');
  const shmC = uniqueShmName('hostc');
  const tradeLog = join(tempDir('multihost'), 'trades.log');
  const bookC = onHost(net, 'c', ['orderbook', '--shm', shmC, '--bus', bus]);
  // a test network with no credentials: --insecure lets the order manager bind beyond loopback
  // and take host B's anonymous strategy (E_INSECURE_BIND / E_AUTH_REQUIRED otherwise)
  const om = onHost(net, 'c', ['ordermanager', '--host', hostC, '--port', '0', '--shm', shmC, '--trade-log', tradeLog, '--bus', bus,
    '--orders-per-second', '1000', '--order-burst', '1000', '--insecure']);
  const omReady = await ready(om, 'ordermanager');
  const omPort = Number(/ port=(\d+)/.exec(omReady)?.[1]);
  assert.ok(omPort > 0, omReady);
  await ready(bookC, 'orderbook');

  const bookB = onHost(net, 'b', ['orderbook', '--shm', shmB, '--bus', bus]);
  await ready(bookB, 'orderbook');
  const strategy = onHost(net, 'b', ['strategy', '--shm', shmB, '--bus', bus, '--order-manager', `${hostC}:${omPort}`,
    '--strategy', 'imbalance', '--imbalance-threshold', '0.05', '--imbalance-resting-timeout-ms', '300']);
  await ready(strategy, 'strategy');

  const dropCopy = onHost(net, 'a', ['dropcopy', '--bus', bus, '--json', '--shm', uniqueShmName('platform-dc')]);
  const copied = (): Record<string, unknown>[] =>
    dropCopy.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

  const all = [gateway, bookC, om, bookB, strategy, dropCopy];
  const names = ['gateway (A)', 'orderbook (C)', 'ordermanager (C)', 'orderbook (B)', 'strategy (B)', 'dropcopy (A)'];
  /** until(), and on a timeout what every host said lately. */
  const waitFor = async (condition: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    try {
      await until(condition, what, timeoutMs);
    } catch (err) {
      const said = all.map((p, i) => `--- ${names[i]}:\n${p.output().split('\n').slice(-15).join('\n')}`).join('\n');
      throw new Error(`${(err as Error).message}\n${said}`, { cause: err });
    }
  };

  // the system trades across the hosts, and the drop copy on host A is live (it has printed
  // fills) before the restart, so it is a reader running through it that is tested below
  await waitFor(() => fillIds(tradeLog).length >= 5, 'fills on host C from orders sent by host B', 20_000);
  await waitFor(() => copied().length >= 1, 'the drop copy on host A prints fills', 15_000);

  // nats-server restarts: both books go stale; nothing fills until the feed is back
  await server.stop();
  await Promise.all([
    waitFor(() => /feed lost/.test(bookB.output()), 'book B marked stale', 5_000),
    waitFor(() => /feed lost/.test(bookC.output()), 'book C marked stale', 5_000),
  ]);
  const fillsWhileDown = fillIds(tradeLog).length;
  // an outage that lasts: the books stay stale through it, and no order may fill against them
  await new Promise((resolve) => setTimeout(resolve, 500));
  const restartedAt = Date.now() / 1000;
  await server.restart();
  const lastBefore = fillIds(tradeLog).length;
  await waitFor(() => fillIds(tradeLog).length >= lastBefore + 5, 'trading resumes after the restart', 20_000);

  // stop the strategy, then the order manager (its stop waits for the stream), then compare
  assert.equal(await stopChild(strategy.child), 0, strategy.output());
  assert.equal(await stopChild(om.child), 0, om.output());
  const logged = readTradeLog(tradeLog);
  assert.equal(logged.recovery.corruptLines, 0);
  const ids = logged.fills.map((fill) => fill.executionId);
  // book C (the order manager's) went stale just before its "feed lost" line (logged to the ms): no execution after it until the restart
  const staleAt = Date.parse(/^(\S+) .*feed lost/m.exec(bookC.output())?.[1] ?? '') / 1000;
  assert.ok(Number.isFinite(staleAt), 'the time book C went stale');
  assert.deepEqual(logged.fills.filter((fill) => fill.timestamp > staleAt + 0.002 && fill.timestamp < restartedAt).map((fill) => fill.executionId), [], 'no fill against a stale book');
  // the drop copy on host A ran through the restart: it resumes by itself and prints every fill
  await waitFor(() => copied().length >= ids.length, `the live drop copy on host A prints all ${ids.length} fills`, 15_000);
  const copies = copied();
  assert.deepEqual(copies.map((c) => c['execution_id']), ids, 'the drop copy equals the trade log, in order');
  assert.deepEqual(copies.map((c) => c['sequence']), ids.map((_, i) => i + 1), 'no duplicate, no gap');
  t.diagnostic(`${ids.length} fills on host C, ${fillsWhileDown} before the restart; the live drop copy on host A printed all ${copies.length}, in order`);
  assert.match(bookB.output(), /bus reconnected/);
  assert.match(bookC.output(), /bus reconnected/);
  assert.match(dropCopy.output(), /stream consumer replaced/, 'the drop copy resumed with a consumer of its own');

  for (const process of [dropCopy, bookB, bookC, gateway]) process.child.kill('SIGTERM');
  const codes = await Promise.all([dropCopy, bookB, bookC, gateway].map((p) => waitForExit(p.child)));
  assert.deepEqual(codes, [0, 0, 0, 0]);
  assert.ok(!existsSync(`/dev/shm${shmB}`) && !existsSync(`/dev/shm${shmC}`), 'both hosts removed their books');
  await server.stop();
  net.remove();
  network = undefined;
});
