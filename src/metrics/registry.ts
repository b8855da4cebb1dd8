/**
 * Every counter, gauge and histogram of the system, declared once: name, kind, unit, help.
 * A component's counters segment holds the metrics its list below names; the segment's
 * metadata carries these declarations, so a reader (`trading stat`, `/metrics`, the
 * dashboard) needs nothing but the segment.
 *
 * Names are Prometheus-ready: lower snake case, the unit at the end where there is one
 * (`_bytes`, `_seconds`, `_shares`); `/metrics` prefixes `ipc_trading_`, appends `_total`
 * to counters and `_seconds` to histograms (which are kept in microseconds here).
 *
 * A counter only grows over a run: a restarted component continues from the value its
 * segment holds (`restartBase`), except where the value is already a whole-history figure
 * that the component rebuilds on start (the trade log's fills).
 */
import type { LabelKey } from './counters-layout.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly kind: MetricKind;
  /** What one unit of the value is: messages, bytes, seconds, microseconds, shares, currency, ... */
  readonly unit: string;
  readonly help: string;
  /**
   * Counters only: whether a restarted process adds its own count to what its segment held
   * (true, the default) or publishes a whole-history value itself (false).
   */
  readonly restartBase?: boolean;
  /** One value per symbol, error code or reason, labelled with it (room for SYMBOL_CAPACITY of them). */
  readonly label?: LabelKey;
}

const counter = (unit: string, help: string, restartBase = true): MetricSpec => ({ kind: 'counter', unit, help, restartBase });
const gauge = (unit: string, help: string): MetricSpec => ({ kind: 'gauge', unit, help });
const symbolGauge = (unit: string, help: string): MetricSpec => ({ kind: 'gauge', unit, help, label: 'symbol' });
const histogram = (help: string): MetricSpec => ({ kind: 'histogram', unit: 'microseconds', help });

export const METRICS = {
  // every process
  process_cpu_seconds: counter('seconds', 'CPU time (user + system) used by the process'),
  process_resident_memory_bytes: gauge('bytes', 'resident memory of the process'),
  component_starts: gauge('starts', 'times a process of this component attached to its counters (1 = never restarted)'),

  // shared by the servers and clients
  clients: gauge('clients', 'clients connected now'),
  clients_accepted: counter('clients', 'client connections accepted'),
  bad_frames: counter('frames', 'frames refused: too large, empty or of an unknown payload kind'),
  bad_messages: counter('messages', 'messages that could not be decoded or were invalid'),
  unexpected_messages: counter('messages', 'well-formed messages of a type this component does not take'),
  book_attachments: counter('attachments', 'times the shared-memory book was (re)attached'),
  clients_refused: counter('clients', 'connections closed at accept: the server was at its connection cap'),
  clients_idle: gauge('clients', 'connected clients that have sent nothing yet'),
  frame_timeouts: counter('clients', 'clients closed because a frame they started did not complete in time'),
  outbound_budget_disconnects: counter('clients', 'clients disconnected because the outbound budget was spent'),
  outbound_budget_demotions: counter('clients', 'clients conflated harder (latest per key, queue released) because the outbound budget was spent'),
  outbound_bytes: gauge('bytes', 'outbound bytes held for clients'),
  send_buffer_hold_unavailable: {
    kind: 'gauge',
    unit: 'boolean',
    help: "1 when the kernel send buffer of a client on probation cannot be held, by reason (kernel_before_5_14, no_socket_fd, no_addon, setsockopt_failed): a never-reading client may pin up to tcp_wmem's maximum of kernel memory",
    label: 'reason',
  },
  send_buffer_holds_missed: counter('clients', 'clients put on probation whose kernel send buffer could not be held'),

  // gateway
  market_data_sent: counter('messages', 'MARKET_DATA messages published'),
  news_sent: counter('messages', 'NEWS_SENTIMENT messages published'),
  frames_sent: counter('frames', 'frames sent to all clients'),
  sent_bytes: counter('bytes', 'bytes sent to all clients'),
  binary_clients: gauge('clients', 'clients on the binary payload'),
  slow_consumer_events: counter('events', 'times a slow client was conflated or disconnected'),
  frames_conflated: counter('frames', 'frames replaced by a newer one for a slow client'),
  frames_dropped: counter('frames', 'frames dropped for a slow client'),
  messages_ignored: counter('messages', 'messages from clients that the gateway ignores'),
  rounds_skipped: counter('rounds', 'market rounds skipped because the gateway was late'),
  market_sequence: gauge('messages', 'sequence number of the last market message'),
  frames_replayed: counter('frames', 'recorded frames replayed (a gateway replaying a recording)'),
  frames_transcoded: counter('frames', 'replayed frames transcoded for a client of the other payload kind'),
  replay_loops: counter('loops', 'times a looping replay started again from its beginning'),

  // orderbook
  book_updates: counter('updates', 'book updates written into the shared-memory book'),
  news_seen: counter('messages', 'NEWS_SENTIMENT messages seen by the orderbook'),
  feed_connected: gauge('boolean', '1 while the orderbook receives the gateway feed'),
  feed_losses: counter('events', 'times the gateway feed was lost'),
  reconnects: counter('connections', 'reconnections to the gateway'),
  sequence_gaps: counter('events', 'gaps in the gateway sequence'),
  unknown_symbol_updates: counter('updates', 'updates for a symbol the book has no slot for'),
  received_bytes: counter('bytes', 'bytes received from the gateway'),
  book_symbols: gauge('symbols', 'symbols in the shared-memory book'),

  // the NATS bus (--bus): every component on it
  bus_connected: gauge('boolean', '1 while connected to the NATS bus (0 also without --bus)'),
  bus_reconnects: counter('connections', 'reconnections to the NATS bus after a lost connection'),
  // gateway on the bus
  bus_published: counter('messages', 'market data, news and heartbeats published on the NATS bus'),
  bus_published_bytes: counter('bytes', 'payload bytes published on the NATS bus'),
  bus_skipped: counter('messages', 'messages not published because the NATS bus was down (an old book is worth nothing later)'),
  // orderbook, strategy on the bus
  bus_received: counter('messages', 'market data, news and heartbeats received from the NATS bus'),
  // ordermanager: the fill mirror into the EXECUTIONS stream (what `trading dropcopy` reads)
  mirror_fills: counter('fills', 'durable fills handed to the mirror for the executions stream'),
  mirror_published: counter('fills', 'fills the executions stream acknowledged (resent ones included)'),
  mirror_lag: gauge('fills', 'durable fills the executions stream does not hold yet (waiting in memory, or to be read back from the trade log)'),
  mirror_heals: counter('fills', 'fills read back from the trade log for the stream (a run without --bus, a crash, an overflow, a server that lost its store)'),
  mirror_duplicates: counter('fills', 'fills the stream already held (resent after a lost acknowledgement; dropped by id)'),
  mirror_resyncs: counter('events', 'times the mirror read the stream\'s last fill and went on from there (start, after every interruption)'),
  mirror_failures: counter('events', 'publishes to the stream that failed (bus down, timeout, a predecessor missing)'),
  mirror_overflows: counter('events', 'times the in-memory queue overflowed and was left to the trade log'),
  mirror_store_losses: counter('events', 'times the stream was found without fills it had acknowledged (nats-server lost its store)'),

  // ordermanager
  orders: counter('orders', 'orders received (accepted or rejected)'),
  orders_accepted: counter('orders', 'orders that passed the risk checks'),
  rejects: counter('orders', 'orders rejected, any reason'),
  rejects_by_code: { kind: 'counter', unit: 'orders', help: 'orders rejected, by the reject code', restartBase: true, label: 'code' },
  fills: counter('fills', 'fills in the trade log (it outlives runs: rebuilt from the log at every start)', false),
  filled_shares: counter('shares', 'shares filled, from the trade log', false),
  cancels: counter('orders', 'orders canceled'),
  orders_waited_for_book: counter('orders', "orders that arrived before their tick's book (a strategy trading on its ticks beat the orderbook) and waited for it"),
  orders_ahead_of_book: counter('orders', "orders executed against a book older than their tick (the wait for the tick's book, --tick-book-wait-us, ran out)"),
  realized_pnl: gauge('currency', 'realized profit and loss, from the trade log'),
  unrealized_pnl: gauge('currency', 'unrealized profit and loss, marked at the mid'),
  position_abs_shares: gauge('shares', 'sum over symbols of the absolute net position'),
  position_shares: symbolGauge('shares', 'net position of a symbol, from the trade log'),
  resting_orders: gauge('orders', 'DAY orders resting now'),
  reports_waiting: gauge('reports', 'execution reports waiting for the trade log to sync'),
  reports_delivered: counter('reports', 'execution reports delivered'),
  reports_undeliverable: counter('reports', 'execution reports whose client was gone'),
  reports_conflated: counter('frames', 'report frames conflated for a slow client'),
  reports_dropped: counter('frames', 'report frames dropped for a slow client'),
  recovered_fills: gauge('fills', 'fills read back from the trade log at the last start'),
  recovered_corrupt_lines: gauge('lines', 'corrupt lines met while reading the logs back at the last start'),
  restored_resting_orders: gauge('orders', 'resting orders restored at the last start'),
  decode_errors: counter('messages', 'order frames that could not be decoded'),
  cancel_errors: counter('orders', 'cancels that failed'),
  hellos: counter('messages', 'HELLO messages received'),
  auth_failures: counter('hellos', 'HELLOs refused: a claimed identity without its secret'),
  anonymous_refused: counter('clients', 'clients refused by the session policy: anonymous where that is not allowed, or any refusal but a bad secret or a busy check'),
  auth_busy_refusals: counter('hellos', 'HELLOs refused E_AUTH_BUSY: too many secrets being checked at once'),
  sessions_resumed: counter('sessions', 'sessions resumed by a HELLO with the last execution sequence seen'),
  reports_replayed: counter('reports', 'execution reports replayed to a resuming session (from memory and from the order journal)'),
  reports_replayed_from_journal: counter('reports', 'replayed reports read back from the order journal (older than the in-memory window)'),
  session_takeovers: counter('sessions', 'sessions taken over by a new connection of the same identity'),
  session_grace_expiries: counter('sessions', 'sessions ended because the client did not come back within the resume grace period'),
  frames_ignored_stopping: counter('frames', 'frames ignored while stopping'),
  book_attached: gauge('boolean', '1 while the shared-memory book is attached'),
  frames_received: counter('frames', 'frames received from clients'),
  trade_log_commits: counter('commits', 'trade log group commits (each one sync)'),
  trade_log_lines: counter('lines', 'trade log lines made durable'),
  trade_log_largest_batch: gauge('lines', 'largest group commit of this process'),
  trade_log_failed: gauge('boolean', '1 while the trade log cannot be written (orders are refused)'),
  order_ids_kept: gauge('orders', 'order ids kept in the duplicate-id window'),
  tracked_clients: gauge('clients', 'clients the order manager keeps state for'),
  checkpoints: counter('checkpoints', 'order manager state checkpoints written'),
  tick_to_trade: histogram('gateway tick to the order arriving at the order manager'),
  tick_to_order_sent: histogram('gateway tick to the strategy sending the order it caused (the feed hop and the strategy)'),
  order_transit: histogram('order sent by the strategy to the order manager reading it from its socket (the order hop)'),
  journal_sync: histogram('time one trade log sync (fdatasync) took'),

  // strategy
  ticks: counter('messages', 'MARKET_DATA messages handled by the strategy'),
  news: counter('messages', 'NEWS_SENTIMENT messages handled by the strategy'),
  orders_sent: counter('orders', 'orders sent to the order manager'),
  cancels_sent: counter('orders', 'cancels sent to the order manager'),
  execution_reports: counter('reports', 'execution reports received'),
  fills_received: counter('fills', 'fills reported to the strategy'),
  rejects_received: counter('orders', 'rejections reported to the strategy'),
  cancels_received: counter('orders', 'cancellations reported to the strategy'),
  open_orders: gauge('orders', 'orders the strategy has open'),
  orders_abandoned: counter('orders', 'orders given up with a lost order-manager connection'),
  orphan_cancels_sent: counter('orders', 'cancels sent for abandoned orders'),
  orders_lost: counter('orders', 'open orders closed after a resume: the order manager did not know them as working and never reported their end'),
  orders_unanswered: counter('orders', 'orders with no report at all within --order-ack-timeout-ms of their sending (each counted once; a late report is still applied)'),
  unreconciled_resumes: counter('sessions', 'resumes with open orders whose order manager did not list its working orders (not checked)'),
  slow_hello_answers: counter('sessions', 'HELLO answers still awaited past --hello-timeout-ms from an order manager that had opened our session'),
  unknown_reports: counter('reports', 'reports for orders the strategy does not know'),
  stale_book_refusals: counter('orders', 'orders not sent because the book was stale'),
  unknown_book_refusals: counter('orders', 'orders not sent because the book had no data'),
  not_connected_refusals: counter('orders', 'orders or cancels not sent: order manager not connected'),
  stale_book_reads: counter('reads', 'book reads that found a stale book'),
  book_lag_at_first_read: counter('ticks', "ticks whose own book was older than the tick when first read (what the strategy would have acted on without the wait)"),
  book_lagged: counter('ticks', "ticks handled with their own book still older than the tick after the wait (the strategy was told 'lagging')"),
  orders_on_lagging_book: counter('orders', "orders sent while the tick's own book was lagging"),
  book_wait_checks: counter('reads', "re-reads of a tick's own book while waiting for it"),
  order_yields: counter('yields', 'times the strategy yielded its core right after an order went out, so that the order manager read it at once (--no-order-yield turns it off)'),
  keep_warm_runs: counter('runs', 'dry runs of the hot path while it is quiet (--keep-warm-ms): the strategy\'s order path, a paced gateway\'s feed path'),
  strategy_errors: counter('errors', 'errors thrown by the strategy code'),
  order_manager_errors: counter('messages', 'errors the order manager sent'),
  gateway_connected: gauge('boolean', '1 while connected to the gateway'),
  order_manager_connected: gauge('boolean', '1 while connected to the order manager'),
  gateway_connects: counter('connections', 'connections made to the gateway'),
  order_manager_connects: counter('connections', 'connections made to the order manager'),
  strategy_realized_pnl: gauge('currency', 'realized profit and loss as the strategy counts it'),
  strategy_unrealized_pnl: gauge('currency', 'unrealized profit and loss as the strategy counts it, marked at the mid'),
  strategy_position_shares: symbolGauge('shares', 'net position of a symbol as the strategy counts it'),
  order_to_ack: histogram('order sent to its execution report back (durable log included)'),
  book_age: histogram('age of the shared-memory book when the strategy used it'),
  tick_handling: histogram('tick read by the strategy to the order it caused sent (decode, book read, strategy, encode)'),
  book_wait: histogram("how long a tick waited for a book that was behind (its own, or that of a tick before it) before it was handled"),

  // dropcopy: the executions stream read back (`trading dropcopy`)
  fills_copied: counter('fills', 'fills read from the executions stream and written out'),
  stream_sequence: gauge('messages', 'stream sequence of the last message read from the executions stream'),
  stream_pending: gauge('messages', "messages in the executions stream after the last one read, as the server counted them when it delivered it: the drop copy's lag"),
  stream_duplicates_skipped: counter('messages', 'messages skipped as already written: queued again for a consumer replaced after an interruption'),
  consumer_replacements: counter('events', 'stream consumers replaced to resume after the last fill written (bus lost, heartbeats missed, the consumer ended)'),
  consumer_failures: counter('events', 'stream consumers that failed while reading (each is replaced)'),
  fill_copy_delay: histogram("a fill stored in the executions stream to the drop copy writing it out (the NATS server's clock against this host's)"),
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
export type HistogramName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'histogram' ? K : never }[MetricName];

/** Published by every component, on top of its own list. */
export const PROCESS_METRICS = ['process_cpu_seconds', 'process_resident_memory_bytes', 'component_starts'] as const satisfies readonly MetricName[];

export const COMPONENT_METRICS = {
  gateway: [
    'market_data_sent', 'news_sent', 'frames_sent', 'sent_bytes', 'clients', 'clients_accepted', 'binary_clients',
    'slow_consumer_events', 'frames_conflated', 'frames_dropped', 'bad_frames', 'messages_ignored', 'rounds_skipped',
    'market_sequence', 'clients_refused', 'clients_idle', 'frame_timeouts', 'outbound_budget_disconnects', 'outbound_bytes',
    'outbound_budget_demotions', 'send_buffer_hold_unavailable', 'send_buffer_holds_missed', 'bus_connected', 'bus_reconnects', 'bus_published', 'bus_published_bytes', 'bus_skipped',
    'frames_replayed', 'frames_transcoded', 'replay_loops', 'keep_warm_runs',
  ],
  orderbook: [
    'book_updates', 'news_seen', 'feed_connected', 'feed_losses', 'reconnects', 'sequence_gaps', 'bad_messages',
    'unknown_symbol_updates', 'received_bytes', 'book_symbols', 'bus_connected', 'bus_reconnects', 'bus_received',
  ],
  ordermanager: [
    'orders', 'orders_accepted', 'rejects', 'rejects_by_code', 'fills', 'filled_shares', 'cancels', 'orders_waited_for_book', 'orders_ahead_of_book', 'realized_pnl', 'unrealized_pnl',
    'position_abs_shares', 'position_shares', 'resting_orders', 'reports_waiting', 'reports_delivered', 'reports_undeliverable',
    'reports_conflated', 'reports_dropped', 'recovered_fills', 'recovered_corrupt_lines', 'restored_resting_orders',
    'decode_errors', 'unexpected_messages', 'cancel_errors', 'hellos', 'auth_failures', 'anonymous_refused', 'auth_busy_refusals',
    'sessions_resumed', 'reports_replayed', 'reports_replayed_from_journal', 'session_takeovers', 'session_grace_expiries', 'frames_ignored_stopping', 'book_attached',
    'book_attachments', 'clients', 'clients_accepted', 'frames_received', 'bad_frames', 'trade_log_commits',
    'trade_log_lines', 'trade_log_largest_batch', 'tick_to_trade', 'tick_to_order_sent', 'order_transit', 'journal_sync', 'clients_refused', 'clients_idle',
    'frame_timeouts', 'outbound_budget_disconnects', 'outbound_bytes', 'send_buffer_hold_unavailable', 'send_buffer_holds_missed', 'trade_log_failed', 'order_ids_kept', 'tracked_clients',
    'checkpoints', 'bus_connected', 'bus_reconnects', 'mirror_fills', 'mirror_published', 'mirror_lag', 'mirror_heals',
    'mirror_duplicates', 'mirror_resyncs', 'mirror_failures', 'mirror_overflows', 'mirror_store_losses',
  ],
  strategy: [
    'ticks', 'news', 'orders_sent', 'cancels_sent', 'execution_reports', 'fills_received', 'rejects_received',
    'cancels_received', 'open_orders', 'orders_abandoned', 'orphan_cancels_sent', 'orders_lost', 'orders_unanswered', 'unreconciled_resumes', 'slow_hello_answers', 'unknown_reports',
    'stale_book_refusals', 'unknown_book_refusals', 'not_connected_refusals', 'stale_book_reads',
    'book_lag_at_first_read', 'book_lagged', 'orders_on_lagging_book', 'book_wait_checks', 'keep_warm_runs', 'order_yields', 'strategy_errors',
    'bad_messages', 'unexpected_messages', 'order_manager_errors', 'gateway_connected', 'order_manager_connected',
    'gateway_connects', 'order_manager_connects', 'book_attachments', 'strategy_realized_pnl', 'strategy_unrealized_pnl', 'strategy_position_shares', 'order_to_ack',
    'book_age', 'tick_handling', 'book_wait', 'bus_connected', 'bus_reconnects', 'bus_received',
  ],
  dropcopy: [
    'fills_copied', 'bad_messages', 'stream_sequence', 'stream_pending', 'stream_duplicates_skipped', 'consumer_replacements',
    'consumer_failures', 'fill_copy_delay', 'bus_connected', 'bus_reconnects',
  ],
} as const satisfies Record<string, readonly MetricName[]>;

export type ComponentName = keyof typeof COMPONENT_METRICS;
/** The metrics component C publishes (its own and the process ones). */
export type ComponentMetricName<C extends ComponentName> = (typeof COMPONENT_METRICS)[C][number] | (typeof PROCESS_METRICS)[number];

/**
 * The components a system's readers (`trading stat`, /metrics) look for under its --shm: the
 * four the supervisor starts, in that order, and a drop copy run beside them.
 */
export const COMPONENT_NAMES = ['gateway', 'orderbook', 'ordermanager', 'strategy', 'dropcopy'] as const satisfies readonly ComponentName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}
