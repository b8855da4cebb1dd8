/**
 * The order manager's durable record, as the order manager sees it: fills (the trade
 * log) and the order events needed to rebuild what fills alone cannot say (the order
 * journal: which DAY orders rest, which were cancelled, which ids were used without a
 * fill). `TradeLog` implements it on two files. The interface exists so that the order
 * manager's rule "a report leaves only once what it reports is durable" is written once,
 * against positions:
 *
 *   position = journal.append(...) or journal.appendOrderEvent(...)   (1, 2, 3, ...)
 *   listener.onDurable(durableCount)   every record with position <= durableCount is on disk
 */
import type { TradingError } from '../core/errors.js';
import type { ExecutionReport, OrderTerms, OrderType, Side, TimeInForce } from '../protocol/messages.js';
import type { JournalNote } from './report-line.js';

/** taker: the order traded on arrival against the book; maker: it rested and the book came to it. */
export type Liquidity = 'taker' | 'maker';

/** One fill read back from the trade log. Prices in price units. */
export interface LoggedFill {
  executionId: string;
  /** n of an id `E<n>` that we wrote; 0n for any other form (for example a seed log). */
  executionNumber: bigint;
  orderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  executionPrice: number;
  /** 0 for MARKET. */
  orderPrice: number;
  /** Epoch seconds. */
  timestamp: number;
  /** FILLED or PARTIALLY_FILLED (whatever the line says). */
  status: string;
  orderType: OrderType;
  timeInForce: TimeInForce;
  orderQuantity: number;
  filledQuantity: number;
  leavesQuantity: number;
  /** The order's average fill price after this fill, price units (the execution price if the line has none). */
  averagePrice: number;
  client: string;
  liquidity: Liquidity;
  /** Sequence of the book state the fill traded against; NaN if the line has none. */
  bookSequence: number;
  /**
   * The sequence its report was numbered with when the fill was made (report-numbering.ts);
   * 0 when its report was not numbered (an anonymous client, a line from before the field).
   */
  reportSequence: number;
}

/**
 * - `accepted`: an order that carries signal data (the strategy's reasons) was accepted;
 *   written first, so the journal says why each such order was made. Recovery only notes
 *   its id.
 * - `rested`: a DAY order rests (written before its entry fills, so it is durable before
 *   any report says the order is working).
 * - `canceled`: a resting order was cancelled.
 * - `unfilled`: an order was accepted and ended without any fill and without resting
 *   (an IOC that found nothing): recorded so its id stays used after a restart.
 * A resting order that fills completely needs no event: its fills say so.
 */
export type OrderEventKind = 'accepted' | 'rested' | 'canceled' | 'unfilled';

/** An order event: the order's terms (its full quantity; prices in price units) and what happened. */
export interface OrderEvent extends OrderTerms {
  kind: OrderEventKind;
  orderId: string;
  client: string;
  tickSentNs: number;
  orderSentNs: number;
  /** When the order manager read the order (WorkingOrder.receivedNs); 0 if not known. */
  receivedNs: number;
  /** Epoch seconds. */
  timestamp: number;
  /** The order's signal data (`accepted` only; undefined otherwise). */
  signalData?: Record<string, unknown> | undefined;
}

/** What recovery found in one file. */
export interface JournalFileRecovery {
  path: string;
  /** Valid records replayed. */
  records: number;
  /** Lines that were not valid records (torn or corrupt), skipped. */
  corruptLines: number;
  /** Corrupt lines other than a torn last line (recovery refuses to start unless repairing). */
  corruptBeforeTail: number;
  /** Lines without a checksum, from before checksums existed. */
  unsealedLines: number;
  /** 1-based line numbers of the first few skipped lines. */
  corruptLineNumbers: number[];
  /** The file did not end with a newline (a torn write); appends start on a fresh line. */
  tornTail: boolean;
  bytes: number;
}

export interface JournalRecovery {
  tradeLog: JournalFileRecovery;
  orderJournal: JournalFileRecovery;
  /** Highest `E<n>` execution number seen, including in skipped lines where readable. */
  lastExecutionNumber: bigint;
  /** Lines whose execution id an earlier line already had: counted once (the first). */
  duplicateFills: number;
  /** Lines moved aside by the repair (--repair-trade-log) before this recovery, both files. */
  repairedLines: number;
  /** Distinct order ids seen in either file, including in skipped lines where readable. */
  orderIds: number;
  /**
   * Report lines of fills the trade log does not hold (the crash came between the two files'
   * syncs): cut off the order journal with every line after them (`orderJournalLinesCut`),
   * never replayed. None of them had been sent.
   */
  unloggedFillReports: number;
  orderJournalLinesCut: number;
}

export interface RecoveryHandlers {
  /** Every valid order event, oldest first. Called for all of them before any onFill. */
  onOrderEvent(event: Readonly<OrderEvent>): void;
  /** Every valid fill, oldest first. */
  onFill(fill: Readonly<LoggedFill>): void;
  /** Every distinct order id seen in either file (damaged lines included where readable). */
  onOrderId(orderId: string): void;
  /** Every report line (its identity and sequence) and the session line, oldest first (report-line.ts). */
  onNote?(note: Readonly<JournalNote>): void;
}

export interface JournalListener {
  /** Every record with position <= durableCount is durable. Called in increasing order. */
  onDurable(durableCount: number): void;
  /** The journal can no longer make anything durable (disk full, I/O error). Called once. */
  onFailure(error: TradingError): void;
}

/** Where a replay starts: a checkpoint's durable point (checkpoint.ts). */
export interface RecoveryStart {
  tradeLog: { bytes: number; lines: number };
  orderJournal: { bytes: number; lines: number };
  /** The checkpoint's last execution number: a line past the point with an id up to it is a duplicate. */
  lastExecutionNumber: bigint;
}

export interface ExecutionJournal {
  /**
   * Replay what is already on disk (order events, then fills; objects passed to the
   * handlers are reused, so copy what you keep), from `from` (a checkpoint) or the start,
   * then allow appends. Once only.
   */
  recover(handlers: RecoveryHandlers, from?: RecoveryStart): JournalRecovery;
  /** The durable point when everything appended is durable, else undefined (checkpoint.ts). */
  durablePoint?(): { tradeLog: { bytes: number; lines: number }; orderJournal: { bytes: number; lines: number } } | undefined;
  /** Queue one fill (its report plus context); returns its position. Throws once failed. */
  append(report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity, bookSequence: number): number;
  /** Queue one order event; returns its position. Throws once failed. */
  appendOrderEvent(event: Readonly<OrderEvent>): number;
  /** Queue one numbered report of `client` (report-line.ts); returns its position. Throws once failed. */
  appendReport(client: string, report: Readonly<ExecutionReport>): number;
  /** Queue the journal's session id line; returns its position. Throws once failed. */
  appendSession(id: string): number;
  /**
   * Read back the durable reports of `client` numbered after..upTo, oldest first, into
   * `onReport` (resync beyond memory). Returns how many were found.
   */
  readReports(client: string, after: number, upTo: number, onReport: (report: ExecutionReport) => void): number;
  readonly appendedCount: number;
  readonly durableCount: number;
  /** Set once the journal failed; nothing appended after is ever durable. */
  readonly failure: TradingError | undefined;
  setListener(listener: JournalListener): void;
  /** Resolves when everything appended so far is durable; rejects if the journal fails. */
  flush(): Promise<void>;
}
