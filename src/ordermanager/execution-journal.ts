/**
 * The order manager's durable record of fills, as the order manager sees it. `TradeLog`
 * implements it on a file; the interface exists so the order manager's rule "a fill's
 * report leaves only once the fill is durable" is written once, against positions:
 *
 *   position = journal.append(...)      (1, 2, 3, ... in append order)
 *   listener.onDurable(durableCount)    every fill with position <= durableCount is on disk
 */
import type { TradingError } from '../core/errors.js';
import type { ExecutionReport, OrderType, Side, TimeInForce } from '../protocol/messages.js';

/** taker: the order traded on arrival against the book; maker: it rested and the book came to it. */
export type Liquidity = 'taker' | 'maker';

/** One fill read back from the log. Prices in price units. */
export interface LoggedFill {
  executionId: string;
  /** n of an id `E<n>` that we wrote; 0 for any other form (for example a seed log). */
  executionNumber: number;
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
  client: string;
  liquidity: Liquidity;
}

/** What recovery found. */
export interface TradeLogRecovery {
  /** Valid fill lines replayed. */
  fills: number;
  /** Lines that were not valid fills (torn or corrupt), skipped. */
  corruptLines: number;
  /** 1-based line numbers of the first few skipped lines, for the log message. */
  corruptLineNumbers: number[];
  /** The file did not end with a newline (a torn write); appends start on a fresh line. */
  tornTail: boolean;
  /** Highest `E<n>` execution number seen, including in skipped lines where readable. */
  lastExecutionNumber: number;
  /** Order ids seen, including in skipped lines where readable. */
  orderIds: number;
  bytes: number;
}

export interface FillJournalListener {
  /** Every fill with position <= durableCount is durable. Called in increasing order. */
  onDurable(durableCount: number): void;
  /** The journal can no longer make anything durable (disk full, I/O error). Called once. */
  onFailure(error: TradingError): void;
}

export interface FillJournal {
  /**
   * Replay every valid fill already in the journal, oldest first, then allow appends.
   * `onFill` gets a reused object: copy what you keep. `onOrderId` gets every order id
   * seen, including ids readable in lines that are otherwise corrupt.
   */
  recover(onFill: (fill: Readonly<LoggedFill>) => void, onOrderId: (orderId: string) => void): TradeLogRecovery;
  /** Queue one fill (its report plus context); returns its position. Throws once failed. */
  append(report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity, bookSequence: number): number;
  readonly appendedCount: number;
  readonly durableCount: number;
  /** Set once the journal failed; nothing appended after is ever durable. */
  readonly failure: TradingError | undefined;
  setListener(listener: FillJournalListener): void;
  /** Resolves when everything appended so far is durable; rejects if the journal fails. */
  flush(): Promise<void>;
}
