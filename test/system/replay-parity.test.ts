/**
 * Parity: the same strategy on the same recording, live (`trading run --replay FILE --speed 1`,
 * the real processes on wall-clock time) and in `trading backtest` (the same processes kept in
 * step on market time), takes the same decisions.
 *
 * The strategy is the mean-reversion example wrapped so that it logs, per tick, what its book
 * read said and whether an order of its own was still in flight, and every order it sends
 * (symbol, side, quantity, price), in order. The recording is 4 s of two symbols, a snapshot
 * of each every 50 ms (interleaved, 25 ms apart), prices swinging enough to trade.
 *
 * What is guaranteed, and asserted: the live strategy sees every tick of the recording; and
 * its decisions are identical to the backtest's up to the first tick where live differs in
 * kind: its book was not the tick's own after the wait (`lagging`, or not written yet), an
 * order of its own was still in flight (the backtest hands the strategy every report before
 * its next message; live, a report that comes after the next tick changes what the strategy
 * does with it), or an order executed against a later book than its tick's (the trade log's
 * `book_sequence`: it reached the order manager after the next book was written), or the
 * strategy, behind the feed, read a newer book than its tick's (allowed: "at least as new"). With none
 * of these (the usual case at 25 ms between ticks on a quiet machine), every decision is
 * identical. Live, a tick comes only once the strategy's order-manager session is open
 * (`--order-manager-first`, set by `trading run --replay`), and this is asserted too. The agreement (orders identical in order, longest common subsequence) is
 * reported as a diagnostic either way.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { cleanupAll, tempDir, uniqueShmName } from '../helpers/resources.js';
import type { RunSummary } from '../../src/supervisor/summary.js';

after(cleanupAll);

const MEAN_REVERSION = fileURLToPath(new URL('../../../examples/strategies/mean-reversion.mjs', import.meta.url));
const SECONDS = 4;
const STEP_MS = 50;
const SYMBOLS = ['AAPL', 'MSFT'] as const;

/** Two symbols, one snapshot of each every STEP_MS (the second half a step later), 5 levels. */
function marketCsv(): string {
  const start = 1_709_303_400;
  const rows = ['time,symbol,' + [1, 2, 3, 4, 5].map((l) => `bid_price_${l},bid_size_${l},ask_price_${l},ask_size_${l}`).join(',') + ',last_price,volume'];
  for (let ms = 0; ms < SECONDS * 1000; ms += STEP_MS) {
    SYMBOLS.forEach((symbol, s) => {
      const t = ms + (s * STEP_MS) / 2;
      const base = s === 0 ? 180 : 410;
      // a swing of ±0.4 % over 1.3 s and a faster wiggle: the mean reversion trades on it
      const mid = base * (1 + 0.004 * Math.sin((2 * Math.PI * t) / 1300 + s) + 0.001 * Math.sin((2 * Math.PI * t) / 170));
      const levels = [0, 1, 2, 3, 4].map((l) => {
        const bid = (Math.round(mid * 100) - 1 - l) / 100;
        const ask = (Math.round(mid * 100) + 1 + l) / 100;
        return `${bid.toFixed(2)},${100 * (l + 1)},${ask.toFixed(2)},${100 * (l + 1)}`;
      });
      rows.push(`${(start + t / 1000).toFixed(3)},${symbol},${levels.join(',')},${(Math.round(mid * 100) / 100).toFixed(2)},${1000 + ms}`);
    });
  }
  return rows.join('\n') + '\n';
}

/** The example strategy, logging every tick (book status, orders in flight) and every order it sends. */
function recordingStrategy(logFile: string): string {
  return `
import { appendFileSync } from 'node:fs';
import Inner, { configSchema as innerSchema } from ${JSON.stringify(pathToFileURL(MEAN_REVERSION).href)};
export const configSchema = innerSchema;
const LOG = ${JSON.stringify(logFile)};
export default class Recorded {
  name = 'recorded-mean-reversion';
  constructor(options) { this.inner = new Inner(options); this.book = null; this.ctx = null; this.sequence = 0; }
  wrap(ctx) {
    if (this.ctx === null) {
      this.ctx = { ...ctx, sendOrder: (request) => {
        const id = ctx.sendOrder(request);
        appendFileSync(LOG, 'O ' + this.sequence + ' ' + request.symbol + ' ' + request.side + ' ' + request.quantity + ' ' + request.price + ' ' + id + '\\n');
        return id;
      } };
      this.book = ctx.createBook();
    }
    return this.ctx;
  }
  onTick(tick, ctx) {
    const wrapped = this.wrap(ctx);
    let inFlight = 0;
    for (const _ of ctx.openOrders()) inFlight += 1;
    this.sequence = tick.sequence;
    const status = ctx.readBook(tick.symbol, this.book);
    appendFileSync(LOG, 'T ' + tick.sequence + ' ' + tick.symbol + ' ' + status + ' ' + inFlight + ' ' + this.book.sequence + '\\n');
    this.inner.onTick(tick, wrapped);
  }
  onNews(news, ctx) { this.inner.onNews?.(news, this.wrap(ctx)); }
  onExecution(report, ctx) { this.inner.onExecution?.(report, this.wrap(ctx)); }
}
`;
}

interface Decisions {
  /** Per tick: what the book read said, orders of ours in flight, the gateway sequence of the book read. */
  ticks: { sequence: number; status: string; inFlight: number; book: number }[];
  /** The decision: symbol side quantity price; the id the engine gave it ('null': refused). */
  orders: { sequence: number; decision: string; id: string }[];
}

function readDecisions(file: string): Decisions {
  const ticks: Decisions['ticks'] = [];
  const orders: Decisions['orders'] = [];
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [kind, sequence, ...rest] = line.split(' ');
    if (kind === 'T') ticks.push({ sequence: Number(sequence), status: rest[1] ?? '', inFlight: Number(rest[2]), book: Number(rest[3]) });
    else if (kind === 'O') orders.push({ sequence: Number(sequence), decision: rest.slice(0, 4).join(' '), id: rest[4] ?? '' });
  }
  return { ticks, orders };
}

/** Length of the longest common subsequence of two lists of decisions. */
function lcs(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    for (let j = 0; j < b.length; j++) row.push(x === b[j] ? (previous[j] ?? 0) + 1 : Math.max(previous[j + 1] ?? 0, row[j] ?? 0));
    previous = row;
  }
  return previous[b.length] ?? 0;
}

test('the same strategy on one recording takes the same decisions live (trading run --replay, speed 1) and in trading backtest', { timeout: 150_000 }, async (t) => {
  const dir = tempDir('parity');
  const csv = join(dir, 'market.csv');
  const data = join(dir, 'market.rec');
  writeFileSync(csv, marketCsv());
  const imported = await runCli(['import', '--csv', csv, '--out', data], { timeoutMs: 30_000 });
  assert.equal(imported.code, 0, imported.output);
  const options = join(dir, 'options.json');
  writeFileSync(options, JSON.stringify({ alpha: 0.2, entryBps: 4, exitBps: 0.5, quantity: 10, maxPosition: 30, warmupTicks: 5 }));

  const backtestLog = join(dir, 'backtest.decisions');
  const backtestStrategy = join(dir, 'recorded-backtest.mjs');
  writeFileSync(backtestStrategy, recordingStrategy(backtestLog));
  const backtest = await runCli(['backtest', '--data', data, '--strategy', backtestStrategy, '--strategy-config', options], { timeoutMs: 60_000 });
  assert.equal(backtest.code, 0, backtest.output);

  const liveLog = join(dir, 'live.decisions');
  const liveStrategy = join(dir, 'recorded-live.mjs');
  writeFileSync(liveStrategy, recordingStrategy(liveLog));
  const summaryFile = join(dir, 'summary.json');
  const tradeLog = join(dir, 'live-trades.log');
  const shm = uniqueShmName('parity');
  const live = await runCli(
    [
      'run', '--replay', data, '--speed', '1', '--strategy', liveStrategy, '--strategy-config', options,
      '--gateway-port', '0', '--order-manager-port', '0', '--metrics-port', '-1', '--no-dashboard',
      '--shm', shm, '--trade-log', tradeLog, '--summary', summaryFile,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(live.code, 0, live.output);
  assert.match(live.output, /replay of .* finished/, 'the run ended with the replay');
  assert.equal(existsSync(`/dev/shm${shm}`), false, 'no shared memory left');
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;

  const expected = readDecisions(backtestLog);
  const got = readDecisions(liveLog);
  const ticks = (SECONDS * 1000 * SYMBOLS.length) / STEP_MS;
  assert.equal(expected.ticks.length, ticks, 'the backtest handled every tick');
  assert.deepEqual(got.ticks.map((tick) => tick.sequence), expected.ticks.map((tick) => tick.sequence), 'live, the strategy saw every tick, in order');
  assert.ok(expected.ticks.every((tick) => tick.status === 'live' && tick.book === tick.sequence && tick.inFlight === 0), 'in the backtest every book is the tick\'s own and every report is in');
  assert.ok(expected.orders.length >= 10, `the strategy trades on this market (${expected.orders.length} orders)`);
  assert.equal(summary.book.ticks, ticks, 'the run summary counts the ticks');
  assert.equal(summary.components['strategy']?.counters['not_connected_refusals'], 0, 'no tick came before the order manager could take orders');

  // where live first differed in kind: a book not the tick's own, an order still in flight, or
  // an order that executed against a later book than its tick's (the trade log's book_sequence)
  const lagging = got.ticks.filter((tick) => tick.status !== 'live');
  // a strategy that fell behind the feed reads a newer book than its tick's (allowed: at least as new)
  const ahead = got.ticks.filter((tick) => tick.status === 'live' && tick.book > tick.sequence);
  const inFlight = got.ticks.filter((tick) => tick.inFlight > 0);
  const bookOf = new Map<string, number>();
  for (const line of readFileSync(tradeLog, 'utf8').trim().split('\n')) {
    if (line === '') continue;
    const fill = JSON.parse(line) as { order_id: string; book_sequence: number };
    bookOf.set(fill.order_id, fill.book_sequence);
  }
  const laterBook = got.orders.filter((order) => (bookOf.get(order.id) ?? order.sequence) !== order.sequence);
  const firstCause = Math.min(lagging[0]?.sequence ?? Infinity, ahead[0]?.sequence ?? Infinity, inFlight[0]?.sequence ?? Infinity, laterBook[0]?.sequence ?? Infinity);
  const why =
    lagging[0]?.sequence === firstCause ? `book ${lagging[0]?.status}`
    : ahead[0]?.sequence === firstCause ? 'a newer book than the tick\'s'
    : inFlight[0]?.sequence === firstCause ? 'order in flight'
    : 'order executed on a later book';
  const before = (list: Decisions['orders']): string[] => list.filter((order) => order.sequence < firstCause).map((order) => `${order.sequence} ${order.decision}`);
  const a = expected.orders.map((order) => `${order.sequence} ${order.decision}`);
  const b = got.orders.map((order) => `${order.sequence} ${order.decision}`);
  let prefix = 0;
  while (prefix < a.length && a[prefix] === b[prefix]) prefix += 1;
  const common = lcs(a, b);
  const figure =
    `parity: ${common} of ${Math.max(a.length, b.length)} orders identical (symbol, side, quantity, price, and the tick that made them; ` +
    `backtest ${a.length}, live ${b.length}, identical prefix ${prefix}); live ticks on a book not their own: ${lagging.length} ` +
    `(summary: ${summary.book.lagAtFirstRead} behind at first read, ${summary.book.lagged} after the wait), with an order in flight: ${inFlight.length}; ` +
    `orders executed against a later book than their tick's: ${laterBook.length}; ` +
    `on a newer book than their own: ${ahead.length}; first such tick ${firstCause} (${why}), ` +
    `first difference: backtest "${a[prefix] ?? '-'}" / live "${b[prefix] ?? '-'}" (tick symbol side quantity price; ` +
    `live at that tick: ${JSON.stringify(got.ticks.find((tick) => tick.sequence === expected.orders[prefix]?.sequence) ?? null)})`;
  t.diagnostic(figure);
  process.stdout.write(`# ${figure}\n`);
  assert.deepEqual(before(got.orders), before(expected.orders), `identical decisions up to the first tick where live differed in kind (sequence ${firstCause})`);
  if (firstCause === Infinity) assert.equal(common, a.length, 'no lag and no order in flight: every decision identical');
});

test('trading run --replay: a recording that cannot be read fails before anything starts; --speed and --loop are for a replay', { timeout: 30_000 }, async () => {
  const dir = tempDir('parity-bad');
  const missing = await runCli(['run', '--replay', join(dir, 'none.rec'), '--shm', uniqueShmName('norec'), '--trade-log', join(dir, 't.log'), '--no-dashboard'], { timeoutMs: 20_000 });
  assert.equal(missing.code, 1, missing.output);
  assert.match(missing.output, /E_RECORDING_INVALID: recording .*none\.rec: cannot read \(ENOENT\)/);
  assert.doesNotMatch(missing.output, /component ready/, 'nothing was started');
  const stray = await runCli(['run', '--speed', '10', '--loop', '--shm', uniqueShmName('nospeed'), '--trade-log', join(dir, 't.log')], { timeoutMs: 20_000 });
  assert.equal(stray.code, 2, stray.output);
  assert.match(stray.output, /--speed, --loop: for --replay only/);
});
