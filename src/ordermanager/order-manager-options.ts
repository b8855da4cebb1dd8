/** What the order manager's core (order-manager.ts) is built from. */
import type { BookSource } from '../core/book-source.js';
import type { TradingError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Checkpoint } from './checkpoint.js';
import type { ExecutionJournal } from './execution-journal.js';
import type { ExecutionReportSink } from './report-queue.js';
import type { RiskLimits } from './risk-limits.js';

export interface OrderManagerClock {
  /** Monotonic nanoseconds (rate limiting). */
  monotonicNs(): number;
  /** Wall-clock epoch seconds (report and log timestamps). */
  epochSeconds(): number;
}

export interface OrderManagerOptions {
  books: BookSource;
  journal: ExecutionJournal;
  sink: ExecutionReportSink;
  /** Validated limits (risk-limits.ts parseRiskLimits); defaults if omitted. */
  limits?: RiskLimits;
  clock?: OrderManagerClock;
  logger?: Logger;
  /** The journal failed: no fill can be made durable any more. The process should stop. */
  onJournalFailure?: (error: TradingError) => void;
  /** How many recent order ids a duplicate is checked against (order-id-window.ts). */
  orderIdWindow?: number;
  /** State at a durable point of the journal (checkpoint.ts): the replay starts there. */
  checkpoint?: Checkpoint;
  /** Whose reports are numbered and journaled for resync (report-numbering.ts); default: no one's. */
  numberReportsOf?: (client: string) => boolean;
}
