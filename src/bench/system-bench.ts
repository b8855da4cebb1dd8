/**
 * The whole system at the seed's default rates (5 symbols × 10 updates/s, news every 2 s):
 * `trading run` for a fixed time, as a user starts it, then its summary: CPU % per
 * process, market data, orders and fills, and the latencies the components measured.
 * This is what the system costs at rest-of-day rates, not how fast it can go.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../supervisor/summary.js';
import { measureLoopbackRoundTrip } from './loopback-floor.js';
import { LatencyRecorder, type LatencySummary } from '../core/latency.js';
import { createOrderEvent, parseOrderEventLine } from '../ordermanager/order-event-line.js';
import { ORDER_JOURNAL_SUFFIX } from '../ordermanager/trade-log.js';
import type { BenchContext, BenchResult, Benchmark } from './types.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const DURATION_S = 20;
/**
 * The seed strategy's cooldown between two orders of a symbol, ms: 120 instead of its
 * default 500 makes about as many trades as the seed's system did (136 in 30 s), where the
 * default made 26-45 in 20-30 s, too few for a p50 that does not swing by a quarter from
 * run to run. Set through the environment (TRADING_COOLDOWN_MS), as a user would.
 */
const SEED_TRADE_RATE_COOLDOWN_MS = 120;
/** What the bench sets in the runs' environment (over the user's). */
const BENCH_ENV: Record<string, string> = { TRADING_LOG_LEVEL: 'warn', TRADING_COOLDOWN_MS: String(SEED_TRADE_RATE_COOLDOWN_MS) };
/**
 * A smoke run's runs last 5 s, where the seed strategy's first order comes once its 10 s
 * lookback has filled, with news (one item every 2 s, for one of 5 symbols) agreeing with
 * a 0.05 % move: a 1 s lookback, any news and a 0.01 % move take the smoke run through
 * the order path too (14 orders in a 5 s run here, where the defaults made none; its
 * figures are rough either way).
 */
const QUICK_STRATEGY_ENV: Record<string, string> = { TRADING_LOOKBACK_MS: '1000', TRADING_SENTIMENT_THRESHOLD: '0', TRADING_PRICE_CHANGE_THRESHOLD: '0.0001' };
/** Variables the bench sets itself: not the user's. */
const BENCH_SETS = new Set([...Object.keys(BENCH_ENV), ...Object.keys(QUICK_STRATEGY_ENV)]);
/** The seed's pacing: 5 symbols × 10 updates/s is one tick every 20 ms. */
const FLOOR_INTERVAL_MS = 20;
const FLOOR_SAMPLES = 300;
/** --keep-warm-ms for the kept-warm run, and the keep-warm echo of its floor. */
const KEEP_WARM_MS = 1;
/**
 * The latency configuration the kept-warm run measures: the path kept warm, and the strategy
 * trading on the book each tick carries, written to first by the gateway (feed-books.ts).
 */
const LATENCY_FLAGS = ['--keep-warm-ms', String(KEEP_WARM_MS), '--book-source', 'tick'] as const;
/**
 * The seed strategy makes no order in its first seconds (its windows fill): a 15 s run
 * had 10-20 orders, and its p50 swung by a quarter from run to run. The tick-to-trade
 * variants gave up the time, so the whole bench stays under its 5 minutes.
 */
const KEEP_WARM_DURATION_S = 22;
const WARM_FLOOR_SAMPLES = 200;
/** Where tick-to-trade goes, hop by hop, from the stamps the messages carry (see metrics/registry.ts). */
const TIMELINE = [
  ['tick_to_order_sent', '  of which: gateway send → order sent (feed hop + strategy)'],
  ['tick_handling', '    of which: tick read by the strategy → order sent'],
  ['order_transit', '  of which: order sent → at the order manager'],
] as const;

interface SystemRun {
  summary: RunSummary;
  /**
   * Tick-to-trade of every order a tick caused, exact, µs: the order journal's stamps
   * (received_ns − tick_sent_ns, both CLOCK_MONOTONIC), where the summary has only the
   * counters segment's power-of-two buckets (a p50 of 1.6 ms is known to ±0.5 ms there).
   */
  tickToTrade: LatencySummary;
}

/** Each order's tick-to-trade from the order journal beside `tradeLog`, µs (orders a tick caused). */
function journalTickToTrade(tradeLog: string): LatencySummary {
  const recorder = new LatencyRecorder(10_000_000);
  const seen = new Set<string>();
  const event = createOrderEvent();
  let text: string;
  try {
    text = readFileSync(tradeLog + ORDER_JOURNAL_SUFFIX, 'utf8');
  } catch {
    return recorder.summary(); // no order made: no journal
  }
  for (const line of text.split('\n')) {
    // an order has one or two events (accepted with its reasons, then rested or unfilled): once
    if (!parseOrderEventLine(line, event) || event.tickSentNs <= 0 || event.receivedNs <= 0 || seen.has(event.orderId)) continue;
    seen.add(event.orderId);
    recorder.record((event.receivedNs - event.tickSentNs) / 1000);
  }
  return recorder.summary();
}

async function runSystem(durationS: number, env: Record<string, string>, extraArgs: readonly string[] = []): Promise<SystemRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ipct-bench-system-'));
  const summaryFile = join(dir, 'summary.json');
  const tradeLog = join(dir, 'trades.log');
  try {
    const child = spawn(
      process.execPath,
      [
        CLI, 'run',
        '--duration', String(durationS),
        '--gateway-port', '0',
        '--order-manager-port', '0',
        // the dashboard on a free port, or off with TRADING_NO_DASHBOARD=true (to compare)
        '--dashboard-port', '0',
        '--shm', `/ipct-bench-system-${process.pid}`,
        '--trade-log', tradeLog,
        '--summary', summaryFile,
        ...extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new TradingError(ErrorCode.BENCH_FAILED, `trading run exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return { summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary, tickToTrade: journalTickToTrade(tradeLog) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const systemBenchmark: Benchmark = {
  name: 'system',
  description: `the whole system at the seed's default rates for ${DURATION_S} s (CPU % per process)`,
  async run(context: BenchContext): Promise<BenchResult> {
    const durationS = Math.max(5, Math.round(DURATION_S * context.scale));
    context.log(
      `TRADING_COOLDOWN_MS=${SEED_TRADE_RATE_COOLDOWN_MS} trading run --duration ${durationS} (defaults: 5 symbols × 10 updates/s, news every 2 s; about the seed's trade rate)`,
    );
    // the runs inherit the environment (TRADING_NO_DASHBOARD=true compares without the
    // dashboard): whatever of it configures them is said, so no figure is skewed unseen
    const inherited = Object.keys(process.env).filter((name) => name.startsWith('TRADING_') && !BENCH_SETS.has(name));
    if (inherited.length > 0) context.log(`the runs inherit from the environment: ${inherited.sort().join(', ')}`);
    const env = context.scale < 1 ? { ...BENCH_ENV, ...QUICK_STRATEGY_ENV } : BENCH_ENV;
    if (context.scale < 1) context.log(`a smoke run: ${Object.entries(QUICK_STRATEGY_ENV).map(([name, value]) => `${name}=${value}`).join(' ')}, so that the short runs make orders`);
    const { summary, tickToTrade: exact } = await runSystem(durationS, env);
    const seconds = summary.elapsedSeconds;
    const figures: Record<string, number> = {};
    const cpu: string[] = [];
    for (const [name, { counters }] of Object.entries(summary.components)) {
      const percent = ((counters['process_cpu_seconds'] ?? 0) * 100) / seconds;
      figures[`system_cpu_percent_${name}`] = Math.round(percent * 10) / 10;
      cpu.push(`${name} ${percent.toFixed(1)}%`);
    }
    const t = summary.trading;
    figures['system_fills_per_s'] = Math.round((t.fills / seconds) * 100) / 100;
    figures['system_orders'] = t.orders;
    figures['system_fills'] = t.fills;
    for (const [key, value] of Object.entries(summary.latency)) {
      // no sample, no figure (a latency of 0 reads as a measurement); tick-to-trade is below
      if (value.count === 0 || key === 'tick_to_trade') continue;
      figures[`system_${key}_p50_us`] = value.p50Us;
      figures[`system_${key}_p99_us`] = value.p99Us;
    }
    // tick-to-trade exact, from each order's stamps in the order journal; the counters'
    // bucketed figures beside it, to show what the summary and the dashboard see
    const bucketed = summary.latency['tick_to_trade'];
    if (bucketed !== undefined && bucketed.count > 0) {
      figures['system_tick_to_trade_bucketed_p50_us'] = bucketed.p50Us;
      figures['system_tick_to_trade_bucketed_p99_us'] = bucketed.p99Us;
    }
    const tickToTrade = exact.count > 0 ? { count: exact.count, p50Us: exact.p50, p99Us: exact.p99 } : undefined;
    if (tickToTrade !== undefined) {
      figures['system_tick_to_trade_p50_us'] = tickToTrade.p50Us;
      figures['system_tick_to_trade_p99_us'] = tickToTrade.p99Us;
    }
    // the tick's own book: how often the strategy got the tick before the orderbook wrote its
    // book, with the wait (this run) and without it (a shorter second run)
    const noWaitS = Math.max(5, Math.round(durationS * 0.3));
    context.log(`trading run --duration ${noWaitS} --book-wait-us 0 (the same without the wait for the tick's own book)`);
    const { summary: noWait, tickToTrade: noWaitExact } = await runSystem(noWaitS, env, ['--book-wait-us', '0']);
    const book = summary.book;
    figures['system_book_ticks'] = book.ticks;
    figures['system_book_lag_at_first_read'] = book.lagAtFirstRead;
    figures['system_book_lagged_after_wait'] = book.lagged;
    figures['system_book_wait_p99_us'] = summary.latency['book_wait']?.p99Us ?? 0;
    figures['system_no_wait_book_ticks'] = noWait.book.ticks;
    figures['system_no_wait_book_lagged'] = noWait.book.lagged;
    const noWaitT2t = noWaitExact.count > 0 ? { count: noWaitExact.count, p50Us: noWaitExact.p50, p99Us: noWaitExact.p99 } : undefined;
    figures['system_no_wait_orders'] = noWait.trading.orders;
    // a short run may make no order from a tick at all (the seed strategy does not trade on
    // a lagging book): then there is no latency to report, not a latency of 0
    if (noWaitT2t !== undefined) {
      figures['system_no_wait_tick_to_trade_p50_us'] = noWaitT2t.p50Us;
      figures['system_no_wait_tick_to_trade_p99_us'] = noWaitT2t.p99Us;
    }
    // the same kept warm: a heartbeat every KEEP_WARM_MS on the tick-to-trade connections and
    // the strategy's order path run dry, so a tick after 20 ms of quiet finds it in the caches;
    // and the strategy trading on its tick's own book, written to it before the orderbook
    const warmS = Math.max(5, Math.round(KEEP_WARM_DURATION_S * context.scale));
    context.log(`trading run --duration ${warmS} ${LATENCY_FLAGS.join(' ')} (the same, tuned for latency: the path kept warm, the tick's own book)`);
    const { summary: warm, tickToTrade: warmExact } = await runSystem(warmS, env, LATENCY_FLAGS);
    const warmCpu: string[] = [];
    for (const [name, { counters }] of Object.entries(warm.components)) {
      const percent = ((counters['process_cpu_seconds'] ?? 0) * 100) / warm.elapsedSeconds;
      figures[`system_keep_warm_cpu_percent_${name}`] = Math.round(percent * 10) / 10;
      warmCpu.push(`${name} ${percent.toFixed(1)}%`);
    }
    const warmT2t = warmExact.count > 0 ? { count: warmExact.count, p50Us: warmExact.p50, p99Us: warmExact.p99 } : undefined;
    if (warmT2t !== undefined) {
      figures['system_keep_warm_tick_to_trade_p50_us'] = warmT2t.p50Us;
      figures['system_keep_warm_tick_to_trade_p99_us'] = warmT2t.p99Us;
    }
    for (const [key] of TIMELINE) {
      const hop = warm.latency[key];
      if (hop !== undefined && hop.count > 0) figures[`system_keep_warm_${key}_p50_us`] = hop.p50Us;
    }
    const percent = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '-');
    // the floor at the same pacing: a bare round trip (two hops, as tick → order) every 20 ms
    context.log(`floor: bare TCP round trips between two Node processes, one every ${FLOOR_INTERVAL_MS} ms`);
    const floorSamples = Math.max(100, Math.round(FLOOR_SAMPLES * context.scale));
    const floor = await measureLoopbackRoundTrip(FLOOR_INTERVAL_MS, 20, floorSamples);
    const floorP50 = Math.round(floor.p50 / 100) / 10;
    const floorP99 = Math.round(floor.p99 / 100) / 10;
    figures['system_floor_rtt_p50_us'] = floorP50;
    figures['system_floor_rtt_p99_us'] = floorP99;
    const t2tP50 = tickToTrade?.p50Us;
    if (t2tP50 !== undefined && t2tP50 > 0) figures['system_tick_to_trade_floor_ratio'] = Math.round((t2tP50 / floorP50) * 100) / 100;
    if (warmT2t !== undefined) figures['system_keep_warm_tick_to_trade_floor_ratio'] = Math.round((warmT2t.p50Us / floorP50) * 100) / 100;
    // and the floor kept warm the same way: what the bare path costs when it is never cold
    context.log(`floor kept warm: the same round trips with an unmeasured echo every ${KEEP_WARM_MS} ms between them`);
    const warmFloor = await measureLoopbackRoundTrip(FLOOR_INTERVAL_MS, 20, Math.max(100, Math.round(WARM_FLOOR_SAMPLES * context.scale)), KEEP_WARM_MS);
    const warmFloorP50 = Math.round(warmFloor.p50 / 100) / 10;
    figures['system_keep_warm_floor_rtt_p50_us'] = warmFloorP50;
    figures['system_keep_warm_floor_rtt_p99_us'] = Math.round(warmFloor.p99 / 100) / 10;
    return {
      rows: [
        { metric: 'system: CPU per process', value: cpu.join(', '), notes: `${seconds.toFixed(0)} s at default rates, the seed strategy's cooldown ${SEED_TRADE_RATE_COOLDOWN_MS} ms (about the seed's trade rate)` },
        {
          metric: 'system: orders / fills',
          value: `${t.orders} / ${t.fills} (${(t.fills / seconds).toFixed(1)} fills/s)`,
          seed: '136 trades in 30 s (4.5/s)',
          notes: `${t.rejects} rejects`,
        },
        ...(tickToTrade !== undefined && tickToTrade.count > 0
          ? [{
              metric: 'system: tick-to-trade at 50 ticks/s',
              value: `${tickToTrade.p50Us} µs p50 / ${tickToTrade.p99Us} µs p99`,
              notes:
                `${tickToTrade.count} orders made by a tick, exact from the order journal's stamps; ${figures['system_tick_to_trade_floor_ratio'] ?? '?'}× the floor below; ` +
                `the counters' power-of-two buckets say ${bucketed?.p50Us ?? '-'} / ${bucketed?.p99Us ?? '-'} µs (what the summary and the dashboard show)`,
            }]
          : []),
        ...TIMELINE.flatMap(([key, label]) => {
          const hop = summary.latency[key];
          return hop === undefined || hop.count === 0 ? [] : [{ metric: label, value: `${hop.p50Us} µs p50 / ${hop.p99Us} µs p99`, notes: `${hop.count} orders` }];
        }),
        {
          metric: "system: the tick's own book behind the tick (with the wait: at first read → after it)",
          value: `${book.lagAtFirstRead} → ${book.lagged} of ${book.ticks} ticks (${percent(book.lagAtFirstRead, book.ticks)} → ${percent(book.lagged, book.ticks)})`,
          notes: `after the wait the strategy is told 'lagging'; waits: ${summary.latency['book_wait']?.count ?? 0}, p99 ${summary.latency['book_wait']?.p99Us ?? '-'} µs`,
        },
        {
          metric: "system: the same with --book-wait-us 0 (no wait: acted on as lagging)",
          value: `${noWait.book.lagged} of ${noWait.book.ticks} ticks (${percent(noWait.book.lagged, noWait.book.ticks)})`,
          notes: `${noWaitS} s run; tick-to-trade ${noWaitT2t?.p50Us ?? '-'} µs p50 / ${noWaitT2t?.p99Us ?? '-'} µs p99 over ${noWaitT2t?.count ?? 0} orders`,
        },
        {
          metric: `  floor: bare TCP round trip, one per ${FLOOR_INTERVAL_MS} ms (the seed's pacing)`,
          value: `${floorP50} µs p50 / ${floorP99} µs p99`,
          notes: `${floor.count} 64-byte echoes between two Node processes right after the run; two hops, as tick → order`,
        },
        ...(warmT2t === undefined
          ? []
          : [{
              metric: `system: tick-to-trade with ${LATENCY_FLAGS.join(' ')}`,
              value: `${warmT2t.p50Us} µs p50 / ${warmT2t.p99Us} µs p99`,
              notes:
                `${warmT2t.count} orders, exact; ${figures['system_keep_warm_tick_to_trade_floor_ratio']}× the floor above; ` +
                `hops ${TIMELINE.map(([key]) => warm.latency[key]?.p50Us ?? '-').join(' / ')} µs p50; CPU ${warmCpu.join(', ')}`,
            }]),
        {
          metric: `  floor kept warm: the same round trip with an echo every ${KEEP_WARM_MS} ms between`,
          value: `${warmFloorP50} µs p50 / ${figures['system_keep_warm_floor_rtt_p99_us']} µs p99`,
          notes: `${warmFloor.count} measured echoes; what the bare path costs when it is never cold`,
        },
      ],
      figures,
    };
  },
};
