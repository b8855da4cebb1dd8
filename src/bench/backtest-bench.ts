/**
 * Backtest throughput: ticks per second through the whole multi-process backtest (the
 * replaying gateway, the orderbook, the strategy, the order manager, all in step through
 * the flow gate), with a strategy that trades: the mean-reversion example of
 * examples/strategies, loaded from its file as a user's would be.
 *
 * The recording is made here from the seeded market model (5 symbols, 10 levels, one
 * MARKET_DATA per symbol every 100 ms of market time, numbered as a gateway numbers them),
 * so the figure does not depend on a file in the repository. Figures: backtest_ticks_per_s
 * (ticks / wall time from the replay's start to the strategy finishing the last tick),
 * backtest_ticks, backtest_orders, backtest_fills, backtest_book_lag_at_first_read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../core/log.js';
import { MarketModel } from '../market/market-model.js';
import { MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { RecordingWriter } from '../protocol/recording-writer.js';
import { buildReport, readFills } from '../replay/backtest-report.js';
import { runBacktest } from '../supervisor/backtest.js';
import type { Benchmark } from './types.js';

const SYMBOLS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA'];
const TICKS = 300_000;
const TARGET_TICKS_PER_S = 100_000;
const STRATEGY = fileURLToPath(new URL('../../../examples/strategies/mean-reversion.mjs', import.meta.url));

/** A recording of `ticks` MARKET_DATA from the market model, 100 ms of market time per round. */
export function writeModelRecording(path: string, ticks: number, seed = 7): void {
  const model = new MarketModel({ seed, symbols: SYMBOLS, updatesPerSecond: 10 });
  const tick = model.createMarketData();
  const encoder = new MessageEncoder({ mode: 'binary' });
  const writer = new RecordingWriter(path, 1_700_000_000_000);
  let sequence = 0;
  try {
    for (let round = 0; sequence < ticks; round++) {
      for (let index = 0; index < SYMBOLS.length && sequence < ticks; index++) {
        model.step(index, 0.1, tick);
        tick.sequence = ++sequence;
        tick.timestamp = 1_700_000_000 + round * 0.1;
        tick.sentNs = 0;
        const bytes = encoder.encode(tick);
        writer.append(encoder.buffer, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES, round * 1e8);
      }
    }
  } finally {
    writer.close();
  }
}

export const backtestBenchmark: Benchmark = {
  name: 'backtest',
  description: 'ticks per second through the multi-process backtest, with a trading strategy',
  async run(context) {
    const ticks = Math.max(20_000, Math.round(TICKS * context.scale));
    const dir = mkdtempSync(join(tmpdir(), 'ipct-backtest-bench-'));
    try {
      const data = join(dir, 'model.rec');
      writeModelRecording(data, ticks);
      context.log(`backtest: ${ticks} ticks of the market model, strategy examples/strategies/mean-reversion.mjs`);
      const run = await runBacktest({ data, strategy: STRATEGY, log: createLogger('backtest-bench') });
      try {
        const report = buildReport({
          fills: readFills(run.tradeLog),
          market: run.market,
          seconds: run.seconds,
          orders: run.counters['ordermanager']?.['orders'] ?? 0,
          bookLagAtFirstRead: run.counters['strategy']?.['book_lag_at_first_read'] ?? 0,
        });
        return {
          rows: [
            {
              metric: 'backtest: ticks/s through the real processes',
              value: `${Math.round(report.ticks_per_s).toLocaleString('en-US')} ticks/s`,
              target: `≥ ${TARGET_TICKS_PER_S.toLocaleString('en-US')}`,
              notes: `${report.ticks} ticks in ${report.seconds} s; ${report.orders} orders, ${report.fills} fills; book lagged at first read ${report.book_lag_at_first_read} times`,
            },
          ],
          figures: {
            backtest_ticks_per_s: report.ticks_per_s,
            backtest_ticks: report.ticks,
            backtest_orders: report.orders,
            backtest_fills: report.fills,
            backtest_book_lag_at_first_read: report.book_lag_at_first_read,
          },
        };
      } finally {
        rmSync(run.scratch, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
