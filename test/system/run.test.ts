/**
 * The whole system as a user runs it: `trading run` with real processes, real TCP on
 * ephemeral ports and real shared memory.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';
import type { RunSummary } from '../../src/supervisor/summary.js';

after(cleanupAll);

interface Run {
  child: ChildProcess;
  output: () => string;
  shm: string;
  tradeLog: string;
  summaryFile: string;
}

/** A run's --duration where the test stops the run itself: past any test's timeout, so never what ends it. */
const SAFETY_NET_DURATION_S = 600;

function startRun(extra: string[], env: NodeJS.ProcessEnv = {}): Run {
  const dir = tempDir('run');
  const shm = uniqueShmName('run');
  const tradeLog = join(dir, 'trades.log');
  const summaryFile = join(dir, 'summary.json');
  const child = spawnCli(
    ['run', '--gateway-port', '0', '--order-manager-port', '0', '--dashboard-port', '0', '--shm', shm, '--trade-log', tradeLog, '--summary', summaryFile, ...extra],
    { env: { ...process.env, ...env } },
  );
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text, shm, tradeLog, summaryFile };
}

/** pid of each component from the supervisor's "component ready" lines (latest wins). */
/** startRun, resolved once the supervisor says the system is ready. */
async function startReadyRun(extra: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const run = startRun(extra, env);
  await waitForOutput(run.child, /system ready/, 30_000);
  return run;
}

/** No process of `pids` alive, and the run's book segment removed. */
function assertNothingLeft(run: Run, pids: Map<string, number>, alive = 'still running', segment = 'shared memory removed'): void {
  for (const [name, pid] of pids) assert.equal(isAlive(pid), false, `${name} (pid ${pid}) ${alive}`);
  assert.equal(existsSync(`/dev/shm${run.shm}`), false, segment);
}

function componentPids(output: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const match of output.matchAll(/component ready component=(\w+) pid=(\d+)/g)) pids.set(match[1] ?? '', Number(match[2]));
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function fillLines(tradeLog: string): Record<string, unknown>[] {
  if (!existsSync(tradeLog)) return [];
  return readFileSync(tradeLog, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => typeof record['execution_id'] === 'string');
}

test('trading run --duration produces trades, stops cleanly and leaves nothing behind', { timeout: 60_000 }, async () => {
  // the default strategy measures moves over 10 s of market data, so its first trade comes after that
  const run = await startReadyRun(['--duration', '14']);
  const pids = componentPids(run.output());
  assert.deepEqual([...pids.keys()].sort(), ['gateway', 'orderbook', 'ordermanager', 'strategy']);
  assert.equal(await waitForExit(run.child), 0, run.output());
  assertNothingLeft(run, pids);
  const summary = JSON.parse(readFileSync(run.summaryFile, 'utf8')) as RunSummary;
  const fills = fillLines(run.tradeLog);
  assert.ok(summary.trading.fills > 0, `expected trades, summary: ${JSON.stringify(summary.trading)}`);
  assert.equal(summary.trading.fills, fills.length, 'summary agrees with the trade log');
  const volume = fills.reduce((sum, fill) => sum + Number(fill['quantity']), 0);
  assert.equal(summary.trading.volume, volume);
  assert.match(run.output(), /run finished after/);
  // Why each order was made: every strategy order that traded has its signal data in the
  // order journal, on an `accepted` line written with the order.
  const accepted = new Map<string, Record<string, unknown>>();
  for (const line of readFileSync(`${run.tradeLog}.orders`, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if (record['event'] === 'accepted') accepted.set(String(record['order_id']), record);
  }
  for (const fill of fills) {
    const order = accepted.get(String(fill['order_id']));
    assert.ok(order !== undefined, `no accepted line for ${String(fill['order_id'])} in the order journal`);
    assert.equal(order['symbol'], fill['symbol']);
    const signalData = order['signal_data'] as Record<string, unknown>;
    assert.equal(typeof signalData['price_change'], 'number', JSON.stringify(order));
    assert.equal(typeof signalData['lookback_ms'], 'number', JSON.stringify(order));
  }
  // One PnL method: the order manager's realized PnL (from its trade log) is the strategy's.
  const strategy = summary.components['strategy']?.counters ?? {};
  assert.equal(strategy['strategy_realized_pnl'], summary.trading.realizedPnl, JSON.stringify({ trading: summary.trading, strategy }));
});

test('one PnL method: for a run that opens and closes positions, the order manager and the strategy report the same realized PnL', { timeout: 60_000 }, async () => {
  // a seed strategy that trades every tick whose move agrees with the latest news item,
  // with news every 0.1 s and a small position cap, so that positions open and close
  const run = startRun(['--duration', '8'], {
    TRADING_NEWS_INTERVAL: '0.1',
    TRADING_LOOKBACK_MS: '0',
    TRADING_PRICE_CHANGE_THRESHOLD: '0.000001',
    TRADING_SENTIMENT_THRESHOLD: '0',
    TRADING_SENTIMENT_ALPHA: '1',
    TRADING_COOLDOWN_MS: '100',
    TRADING_MAX_POSITION: '300',
  });
  assert.equal(await waitForExit(run.child), 0, run.output());
  const summary = JSON.parse(readFileSync(run.summaryFile, 'utf8')) as RunSummary;
  const fills = fillLines(run.tradeLog);
  const sides = new Map<string, Set<unknown>>();
  for (const fill of fills) sides.set(String(fill['symbol']), (sides.get(String(fill['symbol'])) ?? new Set()).add(fill['side']));
  assert.ok(
    [...sides.values()].some((set) => set.size === 2),
    `expected a symbol bought and sold (a position closed), fills: ${JSON.stringify(summary.trading)}`,
  );
  const strategy = summary.components['strategy']?.counters ?? {};
  assert.equal(strategy['strategy_realized_pnl'], summary.trading.realizedPnl, JSON.stringify({ trading: summary.trading, strategy }));
});

test('a component killed with SIGKILL is restarted and trading resumes', { timeout: 90_000 }, async () => {
  // the run's duration is only a safety net: the test stops it once it saw the restart (a 30 s
  // duration ended runs on a loaded machine before the restart it waits for)
  const run = await startReadyRun(['--duration', String(SAFETY_NET_DURATION_S)]);
  const before = componentPids(run.output());
  const victim = before.get('ordermanager');
  assert.ok(victim !== undefined);
  await waitForOutput(run.child, /fills [1-9]/, 20_000).catch(() => undefined);
  const fillsBefore = fillLines(run.tradeLog).length;
  process.kill(victim, 'SIGKILL');
  await waitForOutput(run.child, /component crashed; restarting component=ordermanager/, 10_000);
  await waitForOutput(run.child, /component ready component=ordermanager/, 20_000);
  const restarted = componentPids(run.output()).get('ordermanager');
  assert.ok(restarted !== undefined && restarted !== victim, 'a new ordermanager process');
  // trading resumes: new fills reach the log after the restart
  const deadline = Date.now() + 20_000;
  while (fillLines(run.tradeLog).length <= fillsBefore && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(fillLines(run.tradeLog).length > fillsBefore, 'new fills after the restart');
  assert.equal(await stopChild(run.child), 0, run.output());
  assertNothingLeft(run, componentPids(run.output()));
  const summary = JSON.parse(readFileSync(run.summaryFile, 'utf8')) as RunSummary;
  assert.equal(summary.components['ordermanager']?.restarts, 1);
});

test('a component stopped with SIGSTOP is shown unresponsive after --liveness-timeout-ms, replaced, and trading resumes', { timeout: 90_000 }, async () => {
  const run = await startReadyRun(['--duration', String(SAFETY_NET_DURATION_S), '--liveness-timeout-ms', '2000']);
  const victim = componentPids(run.output()).get('orderbook');
  assert.ok(victim !== undefined);
  const stoppedAt = Date.now();
  process.kill(victim, 'SIGSTOP');
  await waitForOutput(run.child, /orderbook: unresponsive \(no heartbeat for \d+ ms\); replacing it/, 10_000);
  const detectedMs = Date.now() - stoppedAt;
  assert.ok(detectedMs < 2000 + 2000, `detected within the timeout plus a heartbeat (${detectedMs} ms)`);
  await waitForOutput(run.child, /component ready component=orderbook/, 20_000);
  const replaced = componentPids(run.output()).get('orderbook');
  assert.ok(replaced !== undefined && replaced !== victim, 'a new orderbook process');
  assert.equal(isAlive(victim), false, 'the stopped one is gone');
  const fillsAtReplacement = fillLines(run.tradeLog).length;
  const deadline = Date.now() + 30_000;
  while (fillLines(run.tradeLog).length <= fillsAtReplacement && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(fillLines(run.tradeLog).length > fillsAtReplacement, `fills after the replacement\n${run.output().slice(-3000)}`);
  assert.equal(await stopChild(run.child), 0, run.output());
  assertNothingLeft(run, componentPids(run.output()));
});

test('SIGTERM stops the system cleanly: exit 0, no process, no shared memory', { timeout: 60_000 }, async () => {
  const run = await startReadyRun([]);
  const pids = componentPids(run.output());
  assert.equal(await stopChild(run.child), 0, run.output());
  assertNothingLeft(run, pids);
  // stop order: strategy first, gateway last
  const stops = [...run.output().matchAll(/component stopped component=(\w+)/g)].map((m) => m[1]);
  assert.deepEqual(stops, ['strategy', 'orderbook', 'ordermanager', 'gateway']);
});

test('a crash loop stops the system with the reason and a non-zero exit', { timeout: 60_000 }, async () => {
  // --max-restarts 1: the second crash of one component within a minute is a loop
  const run = await startReadyRun(['--max-restarts', '1']);
  for (let crash = 1; crash <= 2; crash++) {
    const pid = componentPids(run.output()).get('strategy');
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    if (crash === 1) await waitForOutput(run.child, /component ready component=strategy/, 20_000);
  }
  assert.equal(await waitForExit(run.child), 1);
  assert.match(run.output(), /trading run: strategy crashed 2 times within 60 s \(limit 1\)/);
  assertNothingLeft(run, componentPids(run.output()));
});

test('a supervisor killed with SIGKILL leaves no component and no shared memory behind', { timeout: 60_000 }, async () => {
  const run = await startReadyRun([]);
  const pids = componentPids(run.output());
  run.child.kill('SIGKILL');
  await waitForExit(run.child);
  // each component sees its IPC channel close and stops itself; nothing signals that to us,
  // so watch the pids
  const deadline = Date.now() + 15_000;
  while ([...pids.values()].some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assertNothingLeft(run, pids, 'outlived its supervisor', 'the orderbook removed the segment on its way out');
});

async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port };
}

test('clear one-line errors: port in use, shm exists, bad config, unwritable trade log', { timeout: 60_000 }, async () => {
  const { server, port } = await occupiedPort();
  try {
    const inUse = startRun(['--gateway-port', String(port)]);
    assert.equal(await waitForExit(inUse.child), 1);
    assert.match(inUse.output(), /E_PORT_IN_USE/);
    assert.doesNotMatch(inUse.output(), /\n\s+at /, 'no stack trace');
  } finally {
    server.close();
  }

  const shm = uniqueShmName('exists');
  writeFileSync(`/dev/shm${shm}`, 'x');
  const exists = startRun(['--shm', shm]);
  assert.equal(await waitForExit(exists.child), 1);
  assert.match(exists.output(), /E_SHM_EXISTS: shared memory .* already exists/);
  assert.ok(existsSync(`/dev/shm${shm}`), 'a segment that is not ours is left alone');

  const bad = startRun(['--rate', 'fast', '--duration', '-1']);
  assert.equal(await waitForExit(bad.child), 2);
  assert.match(bad.output(), /--rate: "fast" is not a number of updates per second/);
  assert.match(bad.output(), /--duration: must be ≥ 0/);

  // a path under a regular file cannot be created, even by root
  const notADirectory = join(tempDir('ro'), 'file');
  writeFileSync(notADirectory, '');
  const unwritable = startRun(['--trade-log', join(notADirectory, 'trades.log')]);
  assert.equal(await waitForExit(unwritable.child), 1);
  assert.match(unwritable.output(), /E_TRADE_LOG_UNWRITABLE/);
});
