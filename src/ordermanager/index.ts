/** The order manager's public surface (re-exports only). */
export type { BookSource, BookStatus } from '../core/book-source.js';
export { MemoryBookSource } from '../core/memory-book-source.js';
export type {
  ExecutionJournal,
  JournalFileRecovery,
  JournalListener,
  JournalRecovery,
  Liquidity,
  LoggedFill,
  OrderEvent,
  OrderEventKind,
  RecoveryHandlers,
} from './execution-journal.js';
export { TradeLog, ORDER_JOURNAL_SUFFIX, type TradeLogOptions, type TradeLogStats } from './trade-log.js';
export { readTradeLog } from './trade-log-reader.js';
export { encodeFillLine, parseFillLine, executionIdFor, executionNumberOf } from './trade-log-line.js';
export { DEFAULT_RISK_LIMITS, RISK_LIMIT_FIELDS, parseRiskLimits, riskLimitsOf, type RiskLimits } from './risk-limits.js';
export { OrderManager, type OrderManagerClock, type OrderManagerOptions, type RestingOrderView } from './order-manager.js';
export type { ExecutionReportSink } from './report-queue.js';
export { Position, PositionBook, type PositionView, type PositionsSnapshot } from './positions.js';
