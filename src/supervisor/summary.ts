/**
 * The final statistics of a run, built from the components' counters segments as the
 * supervisor read them after the stop. The table a person reads has a handful of rows: the
 * trading figures, the latency figures, and each component's health and restarts. Every
 * counter and histogram is in the --summary JSON.
 *
 * Fills, shares, PnL and positions are the trade log's (the order manager rebuilds them from
 * it at every start, and the log outlives runs); orders and rejects are what the order
 * manager processes counted over the run, restarts included.
 */
import { histogramQuantile, sampleKey, sampleValue, type ComponentSnapshot, type HistogramSample } from '../metrics/index.js';
import { formatBytes, formatCount, formatMicros, textTable } from '../metrics/text-table.js';

export interface ComponentResult {
  name: string;
  restarts: number;
  /** How its last process ended: "ok", "exit 1", "signal SIGKILL", "running", "not started". */
  health: string;
  /** Its counters segment as read after the stop; undefined when it never published one. */
  snapshot: ComponentSnapshot | undefined;
}

export interface LatencyFigure {
  count: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

export interface HistogramSummary extends LatencyFigure {
  /** Bucket upper bounds (µs, the last is null for +Inf) and counts, not cumulative. */
  buckets: { le: number | null; count: number }[];
}

export interface ComponentSummary {
  restarts: number;
  health: string;
  /** Counters and gauges by name (`name.SYMBOL` or `name.CODE` for a labelled one). */
  counters: Record<string, number>;
  histograms: Record<string, HistogramSummary>;
  /** Its own books, for those that keep them (ordermanager: the trade log's; strategy: its own): {symbol: signed shares}, flat ones left out. */
  positions: Record<string, number>;
}

export interface RunSummary {
  elapsedSeconds: number;
  exitCode: number;
  reason: string;
  trading: {
    orders: number;
    fills: number;
    rejects: number;
    volume: number;
    realizedPnl: number;
    unrealizedPnl: number;
    positions: Record<string, number>;
  };
  /**
   * The tick's own book, as the strategy counted it: ticks handled; those whose book the
   * orderbook had not written yet at the first read (what a strategy without the wait would
   * have acted on: the "before" figure); those still without it after the wait (the strategy
   * was told `lagging`: the "after" figure); orders sent on such a book; and, counted by the
   * order manager, orders that reached it before their tick's book (a strategy trading on
   * its ticks, --book-source tick, that beat the orderbook) and waited for it, and those
   * still ahead after the wait, executed against an older book.
   */
  book: { ticks: number; lagAtFirstRead: number; lagged: number; ordersOnLaggingBook: number; ordersWaitedForBook: number; ordersAheadOfBook: number };
  /**
   * The strategy's orders whose state no report told it: with no report past
   * --order-ack-timeout-ms (unanswered, still open), given up with a session that could not
   * be resumed (abandoned), closed after a resume that did not know them (lost).
   */
  unknownOrders: { unanswered: number; abandoned: number; lost: number };
  /** tick_to_trade, order_to_ack, book_age, book_wait, journal_sync: what was measured. */
  latency: Record<string, LatencyFigure>;
  components: Record<string, ComponentSummary>;
}

/** The latency rows of the table, in this order, with the component that measures each. */
const LATENCY_ROWS = [
  { name: 'tick_to_trade', component: 'ordermanager', label: 'tick-to-trade' },
  { name: 'tick_to_order_sent', component: 'ordermanager', label: '  tick → order sent (feed hop + strategy)' },
  { name: 'tick_handling', component: 'strategy', label: '    of which: tick read → order sent' },
  { name: 'order_transit', component: 'ordermanager', label: '  order sent → at the order manager' },
  { name: 'order_to_ack', component: 'strategy', label: 'order-to-ack' },
  { name: 'book_age', component: 'strategy', label: 'book age at use' },
  { name: 'book_wait', component: 'strategy', label: 'wait for a book that was behind' },
  { name: 'journal_sync', component: 'ordermanager', label: 'trade log sync' },
] as const;

function latencyOf(histogram: HistogramSample): HistogramSummary {
  return {
    count: histogram.count,
    p50Us: Math.round(histogramQuantile(histogram, 0.5)),
    p99Us: Math.round(histogramQuantile(histogram, 0.99)),
    meanUs: histogram.count > 0 ? Math.round(histogram.sum / histogram.count) : 0,
    buckets: histogram.bounds.map((le, i) => ({ le: Number.isFinite(le) ? le : null, count: histogram.counts[i] ?? 0 })),
  };
}

function componentSummary(result: ComponentResult): ComponentSummary {
  const counters: Record<string, number> = {};
  const histograms: Record<string, HistogramSummary> = {};
  const positions: Record<string, number> = {};
  for (const sample of result.snapshot?.counters ?? []) {
    counters[sampleKey(sample)] = sample.value;
    const symbol = sample.labels.symbol;
    if ((sample.name === 'position_shares' || sample.name === 'strategy_position_shares') && symbol !== undefined && sample.value !== 0) positions[symbol] = sample.value;
  }
  for (const histogram of result.snapshot?.histograms ?? []) histograms[histogram.name] = latencyOf(histogram);
  return { restarts: result.restarts, health: result.health, counters, histograms, positions };
}

export function buildSummary(input: { elapsedMs: number; exitCode: number; reason: string; components: ComponentResult[] }): RunSummary {
  const om = input.components.find((c) => c.name === 'ordermanager')?.snapshot;
  const positions: Record<string, number> = {};
  for (const sample of om?.counters ?? []) {
    if (sample.name === 'position_shares' && sample.labels.symbol !== undefined) positions[sample.labels.symbol] = sample.value;
  }
  const strategy = input.components.find((c) => c.name === 'strategy')?.snapshot;
  const latency: Record<string, LatencyFigure> = {};
  for (const row of LATENCY_ROWS) {
    const histogram = input.components.find((c) => c.name === row.component)?.snapshot?.histograms.find((h) => h.name === row.name);
    if (histogram !== undefined) {
      const { count, p50Us, p99Us, meanUs } = latencyOf(histogram);
      latency[row.name] = { count, p50Us, p99Us, meanUs };
    }
  }
  return {
    elapsedSeconds: Math.round(input.elapsedMs) / 1000,
    exitCode: input.exitCode,
    reason: input.reason,
    trading: {
      orders: sampleValue(om, 'orders'),
      fills: sampleValue(om, 'fills'),
      rejects: sampleValue(om, 'rejects'),
      volume: sampleValue(om, 'filled_shares'),
      realizedPnl: sampleValue(om, 'realized_pnl'),
      unrealizedPnl: sampleValue(om, 'unrealized_pnl'),
      positions,
    },
    book: {
      ticks: sampleValue(strategy, 'ticks'),
      lagAtFirstRead: sampleValue(strategy, 'book_lag_at_first_read'),
      lagged: sampleValue(strategy, 'book_lagged'),
      ordersOnLaggingBook: sampleValue(strategy, 'orders_on_lagging_book'),
      ordersWaitedForBook: sampleValue(om, 'orders_waited_for_book'),
      ordersAheadOfBook: sampleValue(om, 'orders_ahead_of_book'),
    },
    unknownOrders: {
      unanswered: sampleValue(strategy, 'orders_unanswered'),
      abandoned: sampleValue(strategy, 'orders_abandoned'),
      lost: sampleValue(strategy, 'orders_lost'),
    },
    latency,
    components: Object.fromEntries(input.components.map((c) => [c.name, componentSummary(c)])),
  };
}

export function formatSummary(summary: RunSummary): string {
  const t = summary.trading;
  const tradingRows = [
    ['orders', formatCount(t.orders)],
    ['rejects', formatCount(t.rejects)],
    ['fills (trade log)', formatCount(t.fills)],
    ['shares filled (trade log)', formatCount(t.volume)],
    ['PnL realized / unrealized', `${t.realizedPnl.toFixed(2)} / ${t.unrealizedPnl.toFixed(2)}`],
  ];
  // only when there were some: a state the strategy never learned is worth a row, none is not
  const u = summary.unknownOrders;
  if (u.unanswered + u.abandoned + u.lost > 0) {
    tradingRows.push(['strategy orders of unknown state: unanswered / abandoned / lost', `${formatCount(u.unanswered)} / ${formatCount(u.abandoned)} / ${formatCount(u.lost)}`]);
  }
  const latencyRows = LATENCY_ROWS.flatMap((row) => {
    const figure = summary.latency[row.name];
    if (figure === undefined) return [];
    const measured = figure.count > 0;
    return [[row.label, formatCount(figure.count), measured ? formatMicros(figure.p50Us) : '-', measured ? formatMicros(figure.p99Us) : '-']];
  });
  const componentRows = Object.entries(summary.components).map(([name, c]) => [
    name,
    c.health,
    String(c.restarts),
    `${(c.counters['process_cpu_seconds'] ?? 0).toFixed(1)} s`,
    formatBytes(c.counters['process_resident_memory_bytes'] ?? 0),
  ]);
  const parts = [
    `run finished after ${summary.elapsedSeconds.toFixed(1)} s: ${summary.reason} (exit ${summary.exitCode})`,
    '',
    textTable(['trading', 'value'], tradingRows),
  ];
  const b = summary.book;
  if (b.ticks > 0) {
    const share = (n: number): string => `${formatCount(n)} (${((100 * n) / b.ticks).toFixed(1)}%)`;
    parts.push(
      '',
      textTable(
        ["tick's own book", 'ticks'],
        [
          ['ticks handled by the strategy', formatCount(b.ticks)],
          ['book behind the tick at first read', share(b.lagAtFirstRead)],
          ["still behind after the wait: 'lagging'", share(b.lagged)],
          ['orders sent on a lagging book', formatCount(b.ordersOnLaggingBook)],
          ["orders at the order manager before their tick's book: waited", formatCount(b.ordersWaitedForBook)],
          ['… executed on an older book (the wait ran out)', formatCount(b.ordersAheadOfBook)],
        ],
      ),
    );
  }
  if (latencyRows.length > 0) parts.push('', textTable(['latency', 'count', 'p50', 'p99'], latencyRows));
  parts.push('', textTable(['component', 'health', 'restarts', 'cpu', 'memory'], componentRows));
  parts.push('', 'every counter and histogram: --summary FILE (JSON); while running: trading stat');
  return parts.join('\n');
}
