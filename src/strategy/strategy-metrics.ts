/**
 * The strategy's counters segment (metrics/registry.ts names them): what the engine, its
 * order tracker and the process counted, copied every publish interval, off the message
 * path. PnL is published to the cent, as the order manager publishes its own.
 */
import { fromPriceUnits } from '../core/fixed-point.js';
import type { ComponentMetricName, MetricsWriter } from '../metrics/index.js';
import type { LiveBook } from '../shm/live-book.js';
import type { StrategyEngine } from './engine.js';

export type StrategyMetrics = MetricsWriter<ComponentMetricName<'strategy'>>;

/** What the process itself counts and knows of its connections. */
export interface StrategyProcessFigures {
  ordersAbandoned: number;
  orphanCancelsSent: number;
  /** Resumes whose open orders could not be checked (the order manager did not list its working orders). */
  unreconciledResumes: number;
  /** HELLO answers still awaited past the timeout from an order manager that had opened our session. */
  slowHelloAnswers: number;
  badMessages: number;
  unexpectedMessages: number;
  errorsFromOrderManager: number;
  gatewayConnected: boolean;
  orderManagerConnected: boolean;
  gatewayConnects: number;
  orderManagerConnects: number;
  keepWarmRuns: number;
  orderYields: number;
}

export function publishStrategyMetrics(
  w: StrategyMetrics,
  engine: StrategyEngine,
  book: LiveBook,
  process: StrategyProcessFigures,
): void {
  const counters = engine.counters;
  const tracker = engine.tracker;
  w.set('ticks', counters.ticks);
  w.set('news', counters.news);
  w.set('orders_sent', counters.ordersSent);
  w.set('cancels_sent', counters.cancelsSent);
  w.set('execution_reports', counters.executionReports);
  w.set('fills_received', tracker.counters.fills);
  w.set('rejects_received', tracker.counters.rejected);
  w.set('cancels_received', tracker.counters.canceled);
  w.set('open_orders', tracker.openOrderCount);
  w.set('orders_abandoned', process.ordersAbandoned);
  w.set('orphan_cancels_sent', process.orphanCancelsSent);
  w.set('orders_lost', tracker.counters.lost);
  w.set('orders_unanswered', tracker.counters.unanswered);
  w.set('unreconciled_resumes', process.unreconciledResumes);
  w.set('slow_hello_answers', process.slowHelloAnswers);
  w.set('unknown_reports', tracker.counters.unknownReports);
  w.set('stale_book_refusals', counters.ordersRefusedStaleBook);
  w.set('unknown_book_refusals', counters.ordersRefusedUnknownBook);
  w.set('not_connected_refusals', counters.ordersRefusedNotConnected + counters.cancelsRefusedNotConnected);
  w.set('stale_book_reads', counters.staleBookReads);
  w.set('book_lag_at_first_read', counters.bookLagAtFirstRead);
  w.set('book_lagged', counters.bookLagged);
  w.set('orders_on_lagging_book', counters.ordersOnLaggingBook);
  w.set('book_wait_checks', counters.bookWaits);
  w.set('keep_warm_runs', process.keepWarmRuns);
  w.set('order_yields', process.orderYields);
  w.set('strategy_errors', counters.strategyErrors);
  w.set('bad_messages', process.badMessages);
  w.set('unexpected_messages', process.unexpectedMessages);
  w.set('order_manager_errors', process.errorsFromOrderManager);
  w.set('gateway_connected', process.gatewayConnected ? 1 : 0);
  w.set('order_manager_connected', process.orderManagerConnected ? 1 : 0);
  w.set('gateway_connects', process.gatewayConnects);
  w.set('order_manager_connects', process.orderManagerConnects);
  w.set('book_attachments', book.attachments);
  w.set('strategy_realized_pnl', toCents(fromPriceUnits(tracker.realizedPnl())));
  let unrealized = 0;
  for (const symbol of book.symbols) {
    const quantity = tracker.position(symbol).quantity;
    if (quantity === 0) continue;
    w.setLabelled('strategy_position_shares', symbol, quantity);
    const pnl = engine.context.unrealizedPnl(symbol);
    if (pnl === pnl) unrealized += pnl;
  }
  w.set('strategy_unrealized_pnl', toCents(fromPriceUnits(unrealized)));
}

/** Currency to the cent, as the order manager publishes its PnL. */
function toCents(value: number): number {
  return Math.round(value * 100) / 100;
}
