/**
 * A user's own strategy, a file in a folder outside the repository, run by `trading run`;
 * and the start-up errors a wrong file gets.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import type { RunSummary } from '../../src/supervisor/summary.js';

after(cleanupAll);

/** Buys 1 share at the ask on every 10th tick, sells it back at the bid on the next: it trades at once. */
const TRADING_STRATEGY = `
export const configSchema = { every: { kind: 'integer', default: 10, min: 1, description: 'ticks between trades' } };
export default class EveryNth {
  name = 'every-nth';
  constructor(options) { this.every = options.every; this.count = 0; this.book = null; }
  onStart(ctx) { this.book = ctx.createBook(); }
  onTick(tick, ctx) {
    this.count += 1;
    if (this.count % this.every !== 0) return;
    if (ctx.readBook(tick.symbol, this.book) !== 'live' || this.book.askCount === 0 || this.book.bidCount === 0) return;
    const long = ctx.position(tick.symbol).quantity > 0;
    ctx.sendOrder({
      symbol: tick.symbol,
      side: long ? ctx.Side.SELL : ctx.Side.BUY,
      orderType: ctx.OrderType.LIMIT,
      timeInForce: ctx.TimeInForce.IOC,
      price: long ? this.book.bidPrices[0] : this.book.askPrices[0],
      quantity: 1,
    });
  }
}
`;

function run(args: string[]): { done: Promise<number | string>; output: () => string } {
  const child = spawnCli(['run', '--gateway-port', '0', '--order-manager-port', '0', '--dashboard-port', '0', ...args]);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { done: waitForExit(child), output: () => text };
}

test('a strategy file from a folder outside the repository trades under trading run', { timeout: 60_000 }, async () => {
  const dir = tempDir('user-strategy');
  const file = join(dir, 'every-nth.mjs');
  writeFileSync(file, TRADING_STRATEGY);
  writeFileSync(join(dir, 'options.json'), JSON.stringify({ every: 5 }));
  const summaryFile = join(dir, 'summary.json');
  const tradeLog = join(dir, 'trades.log');
  const shm = uniqueShmName('userstrat');
  const result = run(['--shm', shm, '--trade-log', tradeLog, '--summary', summaryFile, '--duration', '3', '--strategy', file, '--strategy-config', join(dir, 'options.json')]);
  assert.equal(await result.done, 0, result.output());
  assert.match(result.output(), /strategy started strategy=every-nth/);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
  assert.ok(summary.trading.fills > 0, `the file's strategy traded: ${JSON.stringify(summary.trading)}`);
  assert.equal(existsSync(`/dev/shm${shm}`), false);
});

test('a missing strategy file, or one that is not a strategy, fails the start with E_CONFIG_INVALID saying what is wrong', { timeout: 30_000 }, async () => {
  const dir = tempDir('bad-strategy');
  const missing = run(['--shm', uniqueShmName('nostrat'), '--trade-log', join(dir, 't.log'), '--strategy', join(dir, 'nope.mjs')]);
  assert.equal(await missing.done, 2, missing.output());
  assert.match(missing.output(), /E_CONFIG_INVALID: strategy module .*nope\.mjs: no such file/);
  assert.doesNotMatch(missing.output(), /component ready/, 'nothing was started');

  const notStrategy = join(dir, 'not-a-strategy.mjs');
  writeFileSync(notStrategy, 'export default class { name = "lazy"; onNews() {} }\n');
  const wrong = run(['--shm', uniqueShmName('badstrat'), '--trade-log', join(dir, 't.log'), '--strategy', notStrategy]);
  assert.equal(await wrong.done, 2, wrong.output());
  assert.match(wrong.output(), /E_CONFIG_INVALID: strategy module .*not-a-strategy\.mjs: does not implement the Strategy interface: onTick\(tick, ctx\) is missing/);

  // the strategy process on its own says the same, as a start failure
  const alone = spawnCli(['strategy', '--strategy', notStrategy, '--gateway', '127.0.0.1:1', '--order-manager', '127.0.0.1:1', '--connect-wait-ms', '0']);
  let text = '';
  alone.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  alone.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  assert.equal(await waitForExit(alone), 2, text);
  assert.match(text, /E_CONFIG_INVALID.*does not implement the Strategy interface/);
});
