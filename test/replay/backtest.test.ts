/**
 * trading backtest: the real processes on a recording. A strategy file from a folder outside
 * the repository trades; two runs of one recording give byte-identical trade logs (resting
 * DAY orders, cancels and IOC orders included); the report's JSON and HTML are written.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliResult } from '../helpers/cli.js';
import { cleanupAll, tempDir, trackShmPrefix } from '../helpers/resources.js';

after(cleanupAll);

const SAMPLE_CSV = fileURLToPath(new URL('../../../examples/data/sample-l2.csv', import.meta.url));
const QUOTER = fileURLToPath(new URL('../../../examples/strategies/spread-quoter.mjs', import.meta.url));

const dir = tempDir('backtest');
const data = join(dir, 'sample.rec');

const BACKTEST_SHM_PREFIXES = ['ipct-bt-', 'ipct-btgate-'];

/**
 * trading backtest: its book and gate segments carry its pid, so that this file checks only
 * its own names (another run of the suite on the machine has its own), and removes them at
 * cleanup should it be killed.
 */
function backtest(args: string[]): Promise<CliResult> {
  return runCli(['backtest', ...args], {
    onSpawn: (child) => {
      for (const prefix of BACKTEST_SHM_PREFIXES) trackShmPrefix(`/${prefix}${child.pid}-`);
    },
  });
}
/** A gateway's counters segment under the default --shm: a live system's, never a backtest's. */
const DEFAULT_GATEWAY_COUNTERS = '/dev/shm/ipc-trading-book.metrics.gateway';
/** The shared memory a backtest left behind. */
function leftBehind(run: CliResult): string[] {
  return readdirSync('/dev/shm').filter((entry) => BACKTEST_SHM_PREFIXES.some((prefix) => entry.startsWith(`${prefix}${run.pid}-`)));
}

test('two backtests of one recording write byte-identical trade logs, in market time', { timeout: 180_000 }, async () => {
  const imported = await runCli(['import', '--csv', SAMPLE_CSV, '--out', data]);
  assert.equal(imported.code, 0, imported.output);
  const logs: string[] = [];
  for (const run of [1, 2]) {
    const tradeLog = join(dir, `trades-${run}.log`);
    const json = join(dir, `report-${run}.json`);
    const result = await backtest(['--data', data, '--strategy', QUOTER, '--trade-log', tradeLog, '--json', json]);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /\| fills +\| \d+/);
    logs.push(readFileSync(tradeLog, 'utf8'));
    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    for (const key of ['ticks', 'ticks_per_s', 'orders', 'fills', 'realized_pnl', 'unrealized_pnl', 'max_drawdown', 'sharpe']) assert.ok(key in report, `report has ${key}`);
    assert.equal(report['ticks'], 1200);
    assert.equal(report['fills'], logs[0]?.trim().split('\n').length);
    assert.deepEqual(leftBehind(result), [], 'no shared memory left');
    // nor a counters segment under the live system's default name (the replay gateway's once was)
    assert.equal(existsSync(DEFAULT_GATEWAY_COUNTERS), false, `${DEFAULT_GATEWAY_COUNTERS} left behind`);
  }
  assert.ok((logs[0] ?? '').length > 0, 'the strategy traded');
  assert.equal(logs[1], logs[0], 'byte-identical trade logs');
  const lines = (logs[0] ?? '').trim().split('\n').map((line) => JSON.parse(line.replace(/,"crc":"[^"]*"/, '')) as Record<string, unknown>);
  const start = Date.parse('2024-03-01T14:30:00.000Z') / 1000;
  for (const line of lines) {
    const timestamp = Number(line['timestamp']);
    assert.ok(timestamp >= start && timestamp <= start + 60, `market time, not wall time: ${timestamp}`);
  }
  assert.ok(lines.some((line) => line['time_in_force'] === 'DAY'), 'resting orders filled');
});

test('a strategy file from a folder outside the repository trades under trading backtest, with an HTML report', { timeout: 120_000 }, async () => {
  const userDir = tempDir('user-backtest');
  const file = join(userDir, 'buy-and-flip.mjs');
  writeFileSync(
    file,
    `export default class {
  name = 'buy-and-flip';
  count = 0;
  onTick(tick, ctx) {
    if (++this.count % 25 !== 0) return;
    const book = ctx.createBook();
    if (ctx.readBook(tick.symbol, book) !== 'live') return;
    const long = ctx.position(tick.symbol).quantity > 0;
    ctx.sendOrder({ symbol: tick.symbol, side: long ? ctx.Side.SELL : ctx.Side.BUY, orderType: ctx.OrderType.LIMIT,
      timeInForce: ctx.TimeInForce.IOC, price: long ? book.bidPrices[0] : book.askPrices[0], quantity: 5 });
  }
}
`,
  );
  if (!existsSync(data)) assert.equal((await runCli(['import', '--csv', SAMPLE_CSV, '--out', data])).code, 0);
  const html = join(userDir, 'report.html');
  const json = join(userDir, 'report.json');
  const result = await backtest(['--data', data, '--strategy', file, '--json', json, '--html', html]);
  assert.equal(result.code, 0, result.output);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { fills: number; orders: number; equity_curve: unknown[] };
  assert.equal(report.fills, 48, '1200 ticks, an order every 25th, all filled');
  assert.equal(report.orders, 48);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /LightweightCharts/, 'the chart library is inlined');
  assert.doesNotMatch(page, /<script src=/, 'self-contained');
  assert.match(page, /"AAPL":\[\{"time":\d+,"value":/, "each symbol's mid series is in the page");

  const missing = await backtest(['--data', data, '--strategy', join(userDir, 'nope.mjs')]);
  assert.equal(missing.code, 2, missing.output);
  assert.match(missing.output, /E_CONFIG_INVALID: strategy module .*nope\.mjs: no such file/);
  assert.deepEqual(leftBehind(result), [], 'no shared memory left');
  assert.deepEqual(leftBehind(missing), [], 'no shared memory left');
});
