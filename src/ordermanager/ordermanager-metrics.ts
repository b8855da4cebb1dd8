/**
 * The order manager's counters segment (metrics/registry.ts names them): the core's
 * counters, positions and PnL, the trade log's commits, the server's and the sessions'
 * counters and the shell's own, copied every publish interval, off the order path.
 *
 * fills is the trade log's: what recovery read back plus the fill lines made durable
 * since, so it equals the file and never goes back across a restart.
 */
import { publishSendBufferHold, type ComponentMetricName, type MetricsWriter } from '../metrics/index.js';
import type { FrameServerCounters } from '../net/frame-server.js';
import type { LiveBook } from '../shm/live-book.js';
import type { ClientSessions } from './client-sessions.js';
import type { OrderManager } from './order-manager.js';
import type { TradeLogStats } from './trade-log.js';

export type OrderManagerMetrics = MetricsWriter<ComponentMetricName<'ordermanager'>>;

/** What the process around the core counts. */
export interface ShellCounters {
  decodeErrors: number;
  unexpectedMessages: number;
  cancelErrors: number;
  ignoredWhileStopping: number;
  checkpoints: number;
  /** 1 once the trade log failed. */
  tradeLogFailed: number;
  /** Orders that arrived before their tick's book and waited for it. */
  tickBookWaits: number;
}

export interface OrderManagerParts {
  om: OrderManager;
  tradeLog: Readonly<TradeLogStats> | undefined;
  sessions: ClientSessions;
  server: FrameServerCounters | undefined;
  book: LiveBook | undefined;
}

export function publishOrderManagerMetrics(w: OrderManagerMetrics, parts: OrderManagerParts, shell: Readonly<ShellCounters>): void {
  const { om, tradeLog: stats, sessions, server } = parts;
  const core = om.counters();
  const recovery = om.recovery;
  w.set('orders', core['orders'] ?? 0);
  w.set('orders_accepted', core['ordersAccepted'] ?? 0);
  w.set('rejects', core['rejects'] ?? 0);
  for (const [code, count] of Object.entries(om.rejectsByCode())) w.setLabelled('rejects_by_code', code, count);
  w.set('cancels', core['cancels'] ?? 0);
  // a fill counts once on disk
  w.set('fills', om.recoveredFills + (stats?.fillsCommitted ?? 0));
  const snapshot = om.positions();
  let volume = 0;
  let positionAbs = 0;
  for (const position of snapshot.positions) {
    volume += position.boughtQuantity + position.soldQuantity;
    positionAbs += Math.abs(position.netQuantity);
    w.setLabelled('position_shares', position.symbol, position.netQuantity);
  }
  w.set('filled_shares', volume);
  w.set('position_abs_shares', positionAbs);
  w.set('realized_pnl', round2(core['realizedPnl'] ?? 0));
  w.set('unrealized_pnl', round2(core['unrealizedPnl'] ?? 0));
  w.set('resting_orders', om.restingOrderCount);
  w.set('reports_waiting', om.reportsWaiting);
  w.set('reports_delivered', core['reportsDelivered'] ?? 0);
  w.set('reports_undeliverable', sessions.counters.undeliverable);
  w.set('recovered_fills', om.recoveredFills);
  w.set('recovered_corrupt_lines', recovery.tradeLog.corruptLines + recovery.orderJournal.corruptLines);
  w.set('restored_resting_orders', core['restoredRestingOrders'] ?? 0);
  w.set('orders_ahead_of_book', core['ordersAheadOfBook'] ?? 0);
  w.set('orders_waited_for_book', shell.tickBookWaits);
  w.set('decode_errors', shell.decodeErrors);
  w.set('unexpected_messages', shell.unexpectedMessages);
  w.set('cancel_errors', shell.cancelErrors);
  w.set('hellos', sessions.counters.hellos);
  w.set('auth_failures', sessions.counters.authFailures);
  w.set('anonymous_refused', sessions.counters.anonymousRefused);
  w.set('auth_busy_refusals', sessions.counters.busyRefused);
  w.set('sessions_resumed', sessions.counters.sessionsResumed);
  w.set('reports_replayed', sessions.counters.reportsReplayed);
  w.set('reports_replayed_from_journal', sessions.counters.reportsReplayedFromJournal);
  w.set('session_takeovers', sessions.counters.takeovers);
  w.set('session_grace_expiries', sessions.counters.graceExpiries);
  w.set('frames_ignored_stopping', shell.ignoredWhileStopping);
  w.set('book_attached', parts.book?.attached === true ? 1 : 0);
  w.set('book_attachments', parts.book?.attachments ?? 0);
  if (server !== undefined) {
    w.set('clients', server.clientsConnected);
    w.set('clients_accepted', server.clientsAccepted);
    w.set('frames_received', server.framesIn);
    w.set('bad_frames', server.badFrames);
    w.set('reports_conflated', server.framesConflated);
    w.set('reports_dropped', server.framesDropped);
    w.set('clients_refused', server.clientsRefused);
    w.set('clients_idle', server.clientsIdle);
    w.set('frame_timeouts', server.frameTimeouts);
    w.set('outbound_budget_disconnects', server.outboundBudgetDisconnects);
    w.set('outbound_bytes', server.outboundBytes);
    publishSendBufferHold(w, server);
  }
  w.set('order_ids_kept', om.orderIdsKept);
  w.set('tracked_clients', om.trackedClients);
  w.set('checkpoints', shell.checkpoints);
  w.set('trade_log_failed', shell.tradeLogFailed);
  if (stats !== undefined) {
    w.set('trade_log_commits', stats.commits);
    w.set('trade_log_lines', stats.linesCommitted);
    w.set('trade_log_largest_batch', stats.largestBatch);
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
