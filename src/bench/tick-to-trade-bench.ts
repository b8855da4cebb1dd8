/**
 * Tick-to-trade: from the gateway's stamp on a tick (monotonic ns at send) to the order it
 * caused arriving at the order manager. Three processes, the real path in the middle:
 *
 *   feeder (tick-to-trade-feeder.js)        `trading strategy` (the real process)       this process
 *   gateway + orderbook stand-in    ──TCP──► decode → engine → seed strategy → ──TCP──► order manager stand-in
 *   writes the book to shm, then            reads the book from shm, refuses              stamps the arrival,
 *   stamps and sends the tick               a stale one, encodes the order                 answers FILLED
 *
 * The strategy is the default seed strategy, configured so that every tick is a signal:
 * lookback 0 (the change since the previous tick), threshold 0.0001 %, sentiment
 * threshold 0 (one positive news item per symbol comes first), no cooldown, 1 share per
 * order, a position cap it never reaches. The feeder raises each symbol's mid by 0.01 on
 * every tick and writes that book into shared memory before it sends the tick, so the
 * strategy's shared-memory read sees the book the tick announces.
 *
 * The clock is process.hrtime (CLOCK_MONOTONIC), shared by every process of the host, so
 * arrival − tickSentNs is the true one-way latency across the three processes. The first
 * ticks are a warm-up (JIT, connections) and are not recorded.
 */
import { helloAnswerFrame } from '../session/hello-answer.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LatencyRecorder, type LatencySummary } from '../core/latency.js';
import { createLogger } from '../core/log.js';
import { FrameServer } from '../net/frame-server.js';
import { loadServerTls, type TlsMaterial } from '../net/tls-options.js';
import { makeCertificate, type BenchCertificate } from './tcp-bench.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { MessageType } from '../protocol/messages.js';
import { iocReport } from '../protocol/ioc-report.js';
import { lineFrom } from './child-output.js';
import { unlinkQuietly } from './bench-segments.js';
import { KEPT_BY_SUPERVISOR_ENV, counterSegmentName, readSystemCounters, sampleValue } from '../metrics/index.js';
import { stopComponent, waitForReady } from '../supervisor/child-protocol.js';
import { measureLoopbackRoundTrip } from './loopback-floor.js';
import { measureLoopbackChain } from './loopback-chain.js';
import type { BenchContext, BenchResult, Benchmark } from './types.js';
import { ErrorCode, TradingError } from '../core/errors.js';

/** The feeder's symbols, ticked in turn. */
export const FEED_SYMBOLS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA'] as const;

const FEEDER_SCRIPT = fileURLToPath(new URL('./tick-to-trade-feeder.js', import.meta.url));
const CLI_SCRIPT = fileURLToPath(new URL('../cli.js', import.meta.url));
const WARMUP_TICKS = 1_000;
const MEASURED_TICKS = 8_000;
/** One tick per timer: about 1,000 ticks/s with Node's 1 ms timer floor. */
const TICK_INTERVAL_MS = 1;
const STARTUP_TIMEOUT_MS = 15_000;
const DRAIN_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 5_000;
const TARGET_P50_US = 100;
/** The busy-spin variant: a window longer than the tick interval, so the strategy never sleeps. */
const SPIN_WINDOW_MS = 2;
const SPIN_MEASURED_TICKS = 2_000;
const TARGET_P99_US = 1_000;
/** The TLS variant: fewer ticks (the figure beside the plain one, not a second full run). */
const TLS_MEASURED_TICKS = 2_000;
/** The rows beside the main figure on a smoke run (--quick, the tests): enough for their p50. */
const VARIANT_MINIMUM_TICKS = 300;

/** The flags that make the seed strategy trade every tick (see the file comment). */
export const FIRE_ON_EVERY_TICK_FLAGS = [
  '--strategy', 'seed',
  '--lookback-ms', '0',
  '--price-change-threshold', '0.000001',
  '--sentiment-threshold', '0',
  '--cooldown-ms', '0',
  '--order-quantity', '1',
  '--max-position', '1000000000',
] as const;

export const tickToTradeBenchmark: Benchmark = {
  name: 'tick-to-trade',
  description: 'gateway tick stamp → order at the order manager, through the real strategy process (TCP in, shm book, TCP out)',
  run: async (context) => {
    const result = await runTickToTradeBenchmark(context);
    // the idle strategy for machines with cores to spare, measured here where there are none
    context.log(`the same with the strategy busy-spinning ${SPIN_WINDOW_MS} ms after each tick (--idle-spin-ms)`);
    const spin = await runTickToTradeBenchmark(context, { measuredTicks: SPIN_MEASURED_TICKS, minimumTicks: VARIANT_MINIMUM_TICKS, measureFloor: false, strategyFlags: ['--idle-spin-ms', String(SPIN_WINDOW_MS)] });
    const p50 = spin.figures['tick_to_trade_p50_us'] ?? NaN;
    const p99 = spin.figures['tick_to_trade_p99_us'] ?? NaN;
    result.rows.push({
      metric: `  with --idle-spin-ms ${SPIN_WINDOW_MS} (busy-spin after each tick)`,
      value: `${p50} µs p50 / ${p99} µs p99`,
      notes: `${spin.figures['tick_to_trade_samples'] ?? 0} orders, same pacing; the strategy keeps its loop polling between ticks 1 ms apart, so it never sleeps: a core's worth of CPU on a 2-core machine`,
    });
    result.figures['tick_to_trade_spin_p50_us'] = p50;
    result.figures['tick_to_trade_spin_p99_us'] = p99;
    // the yield after an order (on by default): the same without it, so that its effect shows
    context.log('the same with the strategy keeping its core after an order (--no-order-yield)');
    const noYield = await runTickToTradeBenchmark(context, { measuredTicks: SPIN_MEASURED_TICKS, minimumTicks: VARIANT_MINIMUM_TICKS, measureFloor: false, strategyFlags: ['--no-order-yield'] });
    const noYieldP50 = noYield.figures['tick_to_trade_p50_us'] ?? NaN;
    result.rows.push({
      metric: '  with --no-order-yield (the strategy keeps its core after an order)',
      value: `${noYieldP50} µs p50 / ${noYield.figures['tick_to_trade_p99_us'] ?? NaN} µs p99`,
      notes:
        `${noYield.figures['tick_to_trade_samples'] ?? 0} orders; order sent → read by the order manager ${noYield.figures['tick_to_trade_outbound_p50_us'] ?? '?'} µs p50 ` +
        `(${result.figures['tick_to_trade_outbound_p50_us'] ?? '?'} µs with the yield): the write wakes the order manager onto the strategy's core, where it waits for the rest of the tick's handling`,
    });
    result.figures['tick_to_trade_no_yield_p50_us'] = noYieldP50;
    result.figures['tick_to_trade_no_yield_p99_us'] = noYield.figures['tick_to_trade_p99_us'] ?? NaN;
    result.figures['tick_to_trade_no_yield_outbound_p50_us'] = noYield.figures['tick_to_trade_outbound_p50_us'] ?? NaN;
    // the tick's own book: the same without the wait, so the wait's cost shows when the book is there
    context.log('the same with the wait for the tick\'s own book disabled (--book-wait-us 0)');
    const noWait = await runTickToTradeBenchmark(context, { measuredTicks: SPIN_MEASURED_TICKS, minimumTicks: VARIANT_MINIMUM_TICKS, measureFloor: false, strategyFlags: ['--book-wait-us', '0'] });
    const noWaitP50 = noWait.figures['tick_to_trade_p50_us'] ?? NaN;
    const noWaitP99 = noWait.figures['tick_to_trade_p99_us'] ?? NaN;
    result.rows.push({
      metric: "  with --book-wait-us 0 (no wait for the tick's own book)",
      value: `${noWaitP50} µs p50 / ${noWaitP99} µs p99`,
      notes:
        `${noWait.figures['tick_to_trade_samples'] ?? 0} orders; the book was behind the tick for ${noWait.figures['tick_to_trade_book_lagged'] ?? '?'} ticks (acted on as lagging). ` +
        `With the wait (first row): ${result.figures['tick_to_trade_book_lag_at_first_read'] ?? '?'} behind at first read, ${result.figures['tick_to_trade_book_lagged'] ?? '?'} still behind after it. ` +
        'The feeder writes the book before it sends the tick, so a lag here is the strategy reading before the write is visible: rare; the system benchmark has the real race',
    });
    result.figures['tick_to_trade_no_book_wait_p50_us'] = noWaitP50;
    result.figures['tick_to_trade_no_book_wait_p99_us'] = noWaitP99;
    result.figures['tick_to_trade_no_book_wait_book_lagged'] = noWait.figures['tick_to_trade_book_lagged'] ?? NaN;
    // the same path over TLS (between hosts the session layer would run it): both hops encrypted
    const certificate = makeCertificate();
    if (certificate === undefined) {
      context.log('openssl not found: no TLS row');
      return result;
    }
    try {
      context.log('the same with both hops over TLS (node:tls)');
      const tls = await runTickToTradeBenchmark(context, { measuredTicks: TLS_MEASURED_TICKS, minimumTicks: VARIANT_MINIMUM_TICKS, measureFloor: false, tls: certificate });
      const tlsP50 = tls.figures['tick_to_trade_p50_us'] ?? NaN;
      const tlsP99 = tls.figures['tick_to_trade_p99_us'] ?? NaN;
      result.rows.push({
        metric: '  over TLS (feed and order hops, node:tls)',
        value: `${tlsP50} µs p50 / ${tlsP99} µs p99`,
        notes: `${tls.figures['tick_to_trade_samples'] ?? 0} orders, same pacing; TLS 1.3, P-256 certificate; the strategy trusts it with --tls-ca`,
      });
      result.figures['tick_to_trade_tls_p50_us'] = tlsP50;
      result.figures['tick_to_trade_tls_p99_us'] = tlsP99;
      result.figures['tick_to_trade_tls_samples'] = tls.figures['tick_to_trade_samples'] ?? 0;
    } finally {
      rmSync(certificate.directory, { recursive: true, force: true });
    }
    return result;
  },
};

export interface TickToTradeOptions {
  /** Node flags for the strategy process, e.g. ['--cpu-prof'] to profile the path. */
  strategyNodeArgs?: readonly string[];
  /** Symbols ticked in turn (default the five FEED_SYMBOLS; the scale benchmark goes to 10,000). */
  symbolCount?: number;
  /** Measured ticks at scale 1 (default MEASURED_TICKS). */
  measuredTicks?: number;
  /** Measured ticks at least, whatever the scale (default 1,000: the main figure's p99 needs them). */
  minimumTicks?: number;
  /** Measure the bare round-trip floor after the run (default true). */
  measureFloor?: boolean;
  /** More `trading strategy` flags, e.g. ['--idle-spin-ms', '2']. */
  strategyFlags?: readonly string[];
  /** Both hops over TLS with this certificate (feeder and order manager stand-in serve it, the strategy trusts it). */
  tls?: BenchCertificate;
}

interface Reception {
  orders: number;
  /** Orders that carried no tick stamp (none expected). */
  unstamped: number;
  total: LatencyRecorder;
  inStrategy: LatencyRecorder;
  outbound: LatencyRecorder;
}

export async function runTickToTradeBenchmark(context: BenchContext, options: TickToTradeOptions = {}): Promise<BenchResult> {
  const symbolCount = options.symbolCount ?? FEED_SYMBOLS.length;
  const measured = Math.max(options.minimumTicks ?? 1_000, Math.round((options.measuredTicks ?? MEASURED_TICKS) * context.scale));
  // A symbol's first tick cannot be a signal: the warm-up covers every symbol at least once.
  const warmup = Math.max(200, Math.round(WARMUP_TICKS * Math.min(1, context.scale)), symbolCount + 200);
  const ticks = warmup + measured;
  const shm = `/ipc-trading-t2t-${process.pid}-${Date.now().toString(36)}`;
  const reception: Reception = {
    orders: 0,
    unstamped: 0,
    // ns, up to 10 s
    total: new LatencyRecorder(10_000_000_000),
    inStrategy: new LatencyRecorder(10_000_000_000),
    outbound: new LatencyRecorder(10_000_000_000),
  };
  // orders, not ticks: a symbol's first tick sends none, so the measured ticks' orders start here
  const receiver = orderManagerStandIn(reception, warmup - symbolCount, options.tls === undefined ? undefined : loadServerTls({ cert: options.tls.cert, key: options.tls.key }));
  const tlsFeederArgs = options.tls === undefined ? [] : [options.tls.cert, options.tls.key];
  const tlsStrategyArgs = options.tls === undefined ? [] : ['--tls-ca', options.tls.cert];
  let feeder: ChildProcess | undefined;
  let strategy: ChildProcess | undefined;
  try {
    const omPort = (await receiver.listen(0)).port;
    feeder = spawn(process.execPath, [FEEDER_SCRIPT, shm, String(ticks), String(TICK_INTERVAL_MS), String(symbolCount), ...tlsFeederArgs], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, TRADING_LOG_LEVEL: 'warn' },
    });
    const feedPort = Number((await lineFrom(feeder, 'the feeder', /ready port=(\d+)/, STARTUP_TIMEOUT_MS))[1]);
    strategy = spawn(
      process.execPath,
      [...(options.strategyNodeArgs ?? []), CLI_SCRIPT, 'strategy', '--gateway', `127.0.0.1:${feedPort}`, '--order-manager', `127.0.0.1:${omPort}`, '--shm', shm, ...FIRE_ON_EVERY_TICK_FLAGS, ...tlsStrategyArgs, ...(options.strategyFlags ?? [])],
      // its counters segment outlives it: the book-lag counters are read after it stopped
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, TRADING_LOG_LEVEL: 'warn', [KEPT_BY_SUPERVISOR_ENV]: '1' } },
    );
    const ready = await waitForReady(strategy, 'the strategy', STARTUP_TIMEOUT_MS);
    if (ready['gatewayConnected'] !== true || ready['orderManagerConnected'] !== true || ready['bookAttached'] !== true) {
      throw new TradingError(ErrorCode.BENCH_FAILED, `the strategy came up without everything it needs: ${JSON.stringify(ready)}`);
    }
    unlinkQuietly(shm); // both processes have it mapped: nothing is left in /dev/shm whatever happens now
    context.log(`strategy ready (pid ${strategy.pid}); ${warmup} warm-up + ${measured} measured ticks, one every ${TICK_INTERVAL_MS} ms`);
    feeder.stdin?.write('go\n');
    const done = await lineFrom(feeder, 'the feeder', /done sent=(\d+) seconds=([\d.]+)/, ticks * 20 + STARTUP_TIMEOUT_MS);
    const feedSeconds = Number(done[2]);
    // every tick is a signal but a symbol's first, which has no previous price to rise from
    const expectedOrders = ticks - symbolCount;
    await until(() => reception.orders >= expectedOrders, DRAIN_TIMEOUT_MS);
    await stopComponent(strategy, EXIT_TIMEOUT_MS);
    const strategyCounters = readSystemCounters(shm, ['strategy'])[0];
    const bookLagAtFirstRead = sampleValue(strategyCounters, 'book_lag_at_first_read');
    const bookLagged = sampleValue(strategyCounters, 'book_lagged');
    const ticksPerSecond = ticks / feedSeconds;
    const total = microseconds(reception.total.summary());
    const inside = microseconds(reception.inStrategy.summary());
    const outbound = microseconds(reception.outbound.summary());
    const measureFloor = options.measureFloor ?? true;
    if (measureFloor) context.log('floor: bare TCP round trips between two Node processes at the same pacing');
    const none = { count: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
    const floor = measureFloor ? microseconds(await measureLoopbackRoundTrip(TICK_INTERVAL_MS, Math.min(warmup, 500), Math.min(measured, 4_000))) : none;
    if (measureFloor) context.log('floor: the same two hops through three bare Node processes at the same pacing');
    const chain = measureFloor ? microseconds(await measureLoopbackChain(TICK_INTERVAL_MS, Math.min(warmup, 500), Math.min(measured, 2_500))) : none;
    context.log(`p50 ${total.p50} µs, p99 ${total.p99} µs, p999 ${total.p999} µs over ${total.count} orders at ${ticksPerSecond.toFixed(0)} ticks/s`);
    const conditions =
      `${total.count.toLocaleString('en-US')} orders after ${warmup.toLocaleString('en-US')} warm-up ticks, ${ticksPerSecond.toFixed(0)} ticks/s ` +
      `(one per ${TICK_INTERVAL_MS} ms timer, ${symbolCount.toLocaleString('en-US')} symbols in turn, 5-level binary MARKET_DATA), every tick a signal ` +
      `(seed strategy: lookback 0, threshold 1e-6, sentiment threshold 0, no cooldown); feeder process = gateway + shm book writer, ` +
      `the real \`trading strategy\` process, order manager stand-in in the bench process answering FILLED; loopback, ` +
      `${reception.orders.toLocaleString('en-US')} orders for ${ticks.toLocaleString('en-US')} ticks ` +
      `(a symbol's first tick has no previous price; a tick handled after the next book of its symbol was written sees no rise)`;
    return {
      rows: [
        {
          metric: 'tick-to-trade (gateway tick → order at the order manager)',
          value: `${total.p50} µs p50 / ${total.p99} µs p99 / ${total.p999} µs p99.9`,
          target: `≤ ${TARGET_P50_US} µs p50 / ≤ ${TARGET_P99_US} µs p99`,
          seed: 'not measured',
          notes: conditions,
        },
        {
          metric: '  of which: tick stamp → order sent (TCP in, decode, shm read, strategy)',
          value: `${inside.p50} µs p50 / ${inside.p99} µs p99`,
          notes: "the order's orderSentNs − tickSentNs, same run",
        },
        {
          metric: '  of which: order sent → read by the order manager (encode, TCP out)',
          value: `${outbound.p50} µs p50 / ${outbound.p99} µs p99`,
          notes: 'the socket read that delivered it − orderSentNs, same run',
        },
        {
          metric: "  the tick's own book: behind the tick at first read / still behind after the wait",
          value: `${bookLagAtFirstRead} / ${bookLagged} of ${ticks.toLocaleString('en-US')} ticks`,
          notes: 'strategy counters book_lag_at_first_read / book_lagged, same run (wait --book-wait-us default)',
        },
        {
          metric: '  floor: bare TCP round trip between two Node processes (two hops, as tick → order)',
          value: `${floor.p50} µs p50 / ${floor.p99} µs p99`,
          notes: `${floor.count.toLocaleString('en-US')} 64-byte echoes, one per ${TICK_INTERVAL_MS} ms timer, right after the run; no codec, no shared memory, no third process; tick-to-trade ${ratio(total.p50, floor.p50)}× it`,
        },
        {
          metric: '  floor: the same two hops through three bare Node processes (sender → relay → reader)',
          value: `${chain.p50} µs p50 / ${chain.p99} µs p99`,
          notes:
            `${chain.count.toLocaleString('en-US')} 64-byte messages, one per ${TICK_INTERVAL_MS} ms timer, right after; the path's shape (a third process on the cores, ` +
            `hops that may wake a halted core) with none of our code; tick-to-trade ${ratio(total.p50, chain.p50)}× it`,
        },
      ],
      figures: {
        tick_to_trade_p50_us: total.p50,
        tick_to_trade_p99_us: total.p99,
        tick_to_trade_p999_us: total.p999,
        tick_to_trade_max_us: total.max,
        tick_to_trade_samples: total.count,
        tick_to_trade_ticks_per_s: Math.round(ticksPerSecond),
        tick_to_trade_orders_missing: expectedOrders - reception.orders,
        tick_to_trade_in_strategy_p50_us: inside.p50,
        tick_to_trade_in_strategy_p99_us: inside.p99,
        tick_to_trade_outbound_p50_us: outbound.p50,
        tick_to_trade_outbound_p99_us: outbound.p99,
        tick_to_trade_book_lag_at_first_read: bookLagAtFirstRead,
        tick_to_trade_book_lagged: bookLagged,
        loopback_round_trip_p50_us: floor.p50,
        loopback_round_trip_p99_us: floor.p99,
        tick_to_trade_floor_ratio: ratio(total.p50, floor.p50),
        loopback_chain_p50_us: chain.p50,
        loopback_chain_p99_us: chain.p99,
        tick_to_trade_chain_floor_ratio: ratio(total.p50, chain.p50),
      },
    };
  } finally {
    unlinkQuietly(shm);
    await stopComponent(strategy, EXIT_TIMEOUT_MS);
    unlinkQuietly(counterSegmentName(shm, 'strategy'));
    feeder?.stdin?.end();
    await stopComponent(feeder, EXIT_TIMEOUT_MS);
    await receiver.close();
  }
}

/** A FrameServer that stamps each order on arrival, records its latencies and answers it FILLED. */
function orderManagerStandIn(reception: Reception, warmup: number, tls: TlsMaterial | undefined): FrameServer {
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder({ mode: 'binary' });
  let executions = 0;
  const server: FrameServer = new FrameServer({
    tls,
    log: createLogger('bench.t2t'),
    onFrame: (client, buffer, offset, length) => {
      const arrivalNs = client.readNs;
      const message = decoder.decode(buffer, offset, length);
      if (message.type === MessageType.HELLO) {
        client.send(helloAnswerFrame(message, 'bench-ordermanager'));
        return;
      }
      if (message.type !== MessageType.ORDER) return;
      const index = reception.orders++;
      if (message.tickSentNs <= 0) reception.unstamped++;
      else if (index >= warmup) {
        reception.total.record(arrivalNs - message.tickSentNs);
        reception.inStrategy.record(message.orderSentNs - message.tickSentNs);
        reception.outbound.record(arrivalNs - message.orderSentNs);
      }
      const report = iocReport(message, `B${++executions}`, message.quantity, message.price, message.timestamp);
      const bytes = encoder.encode(report);
      client.send(encoder.buffer.subarray(0, bytes));
    },
  });
  return server;
}

/** a / b to two decimals (NaN without a floor). */
function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

function microseconds(summary: LatencySummary): LatencySummary {
  const us = (ns: number): number => Math.round(ns / 100) / 10;
  return { count: summary.count, p50: us(summary.p50), p90: us(summary.p90), p99: us(summary.p99), p999: us(summary.p999), max: us(summary.max) };
}

/** Resolves when `done()` holds or after timeoutMs (the caller reports what arrived). */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
