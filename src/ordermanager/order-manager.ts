/**
 * The order manager's core: risk, execution, positions and reports, with no sockets.
 * The `trading ordermanager` process is a thin shell around it:
 *
 *   decode an ORDER   → om.handleOrder(order, client)
 *   decode a CANCEL   → om.handleCancel(cancel, client)   (an error code: answer with ERROR)
 *   duty cycle        → om.pollRestingOrders()            (resting DAY orders meet new books)
 *   sink.deliver(client, report)                          (encode and send; called by the core)
 *   stop              → om.cancelAll(...); await om.flush(); await tradeLog.close()
 *
 * Durability is enforced here, not left to the shell: every fill (and every order event
 * a restart needs: an order resting, cancelled, or done without a fill) is appended to
 * the journal when it happens, and every report leaves through the sink only once the
 * journal is durable up to it (report-queue.ts). A reject with nothing ahead of it
 * leaves at once, unless it is a proven identity's: those reports are numbered and
 * journaled, rejects included, for resync across restarts (report-numbering.ts).
 *
 * Orders (types, time in force, priority): working-order.ts.
 *
 * Reports. One per event: REJECTED (rejectCode + reason), one PARTIALLY_FILLED or FILLED
 * per fill (a fill per book level touched), CANCELED for an IOC remainder or a cancel,
 * NEW for a DAY order resting without any fill. executionId is set on fills only (it is
 * the trade log's execution_id: `E<n>`, unique across restarts); other reports carry ''.
 * Reports are pooled objects (see report-queue.ts): no report is allocated per event in
 * steady state; what is allocated per fill is its execution id and its log line.
 *
 * Restart: recovery.ts (a crash leaves resting orders resting; a graceful stop cancels them).
 */
import { createL2Book, MAX_BOOK_DEPTH, midPrice, type L2Book } from '../core/book.js';
import { monotonicNs, epochSeconds } from '../core/clock.js';
import { ErrorCode, type TradingError } from '../core/errors.js';
import { fromPriceUnits } from '../core/fixed-point.js';
import { createLogger, type Logger } from '../core/log.js';
import {
  ExecutionStatus,
  OrderType,
  Side,
  TimeInForce,
  type Cancel,
  type ExecutionReport,
  type Order,
} from '../protocol/messages.js';
import type { BookSource } from '../core/book-source.js';
import type { ExecutionJournal, JournalRecovery, Liquidity, OrderEvent, OrderEventKind } from './execution-journal.js';
import { createOrderEvent } from './order-event-line.js';
import { createFillPlan, planTakerFills, takeRestingFill } from './matching.js';
import { PositionBook, type PositionsSnapshot } from './positions.js';
import { TokenBucketRateLimiter } from './rate-limiter.js';
import { ReportQueue } from './report-queue.js';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from './risk-limits.js';
import { checkBookUsable, checkOrderFields, checkOrderLimits, createRiskVerdict, marketPriceBound, type Exposure } from './risk.js';
import type { Checkpoint } from './checkpoint.js';
import type { OrderManagerClock, OrderManagerOptions } from './order-manager-options.js';
import { OrderIdWindow } from './order-id-window.js';
import { ReportNumbering } from './report-numbering.js';
import { executionIdFor } from './trade-log-line.js';
import { checkpointOf, replayJournal, reportUnreported } from './recovery.js';
import { RestingBook } from './resting-book.js';
import {
  durablePartOf,
  restingOrderView,
  writeVoidReject,
  createWorkingOrder,
  hasResting,
  writeOrderEvent,
  writeOrderReport,
  writeRejectReport,
  type RestingOrderView,
  type SymbolState,
  type WorkingOrder,
} from './working-order.js';

export type { RestingOrderView };

export type { OrderManagerClock, OrderManagerOptions };

const SYSTEM_CLOCK: OrderManagerClock = { monotonicNs, epochSeconds };

const REASON_IOC_REMAINDER = 'IOC remainder canceled: no more liquidity at or better than the limit';
const REASON_MARKET_REMAINDER = 'MARKET remainder canceled: no more liquidity within the price collar';
const REASON_CANCEL_REQUEST = 'canceled on request';


export class OrderManager {
  readonly #books: BookSource;
  readonly #journal: ExecutionJournal;
  readonly #limits: RiskLimits;
  readonly #clock: OrderManagerClock;
  readonly #log: Logger;
  readonly #onJournalFailure: ((error: TradingError) => void) | undefined;
  readonly #queue: ReportQueue;
  readonly #rateLimiter: TokenBucketRateLimiter;
  readonly #positions = new PositionBook();
  readonly #resting = new RestingBook(this.#positions);
  readonly #knownOrderIds: OrderIdWindow;
  /** Per symbol, the book sequence of its last fill (for a checkpoint). */
  readonly #lastFillSequences = new Map<string, number>();
  readonly #checkpointFills: number;
  readonly #recovery: JournalRecovery;
  readonly #restoredRestingOrders: number;
  readonly #numbering: ReportNumbering;
  #executionNumber: bigint;
  #failure: TradingError | undefined;

  // Scratch state reused by every event: nothing on the order path allocates these.
  readonly #book: L2Book = createL2Book(MAX_BOOK_DEPTH);
  /** For marks: positions() may be called from inside a sink, never clobbering #book. */
  readonly #markBook: L2Book = createL2Book(MAX_BOOK_DEPTH);
  readonly #verdict = createRiskVerdict();
  readonly #exposure: Exposure = { netPosition: 0, restingBuyQuantity: 0, restingSellQuantity: 0 };
  readonly #plan = createFillPlan(MAX_BOOK_DEPTH);
  readonly #entry: WorkingOrder = createWorkingOrder();
  readonly #event: OrderEvent = createOrderEvent();
  #nowSeconds = 0;

  // Counters.
  #orders = 0;
  #accepted = 0;
  #rejects = 0;
  readonly #rejectsByCode = new Map<string, number>();
  #fills = 0;
  #filledQuantity = 0;
  #cancels = 0;
  #deliveryErrors = 0;
  /** Orders made on a tick newer than the book they met (a strategy trading on its ticks beat the orderbook). */
  #aheadOfBook = 0;

  /** Replays the journal (synchronously) and takes it over. */
  constructor(options: OrderManagerOptions) {
    this.#books = options.books;
    this.#journal = options.journal;
    this.#limits = options.limits ?? DEFAULT_RISK_LIMITS;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#log = options.logger ?? createLogger('ordermanager');
    this.#onJournalFailure = options.onJournalFailure;
    this.#rateLimiter = new TokenBucketRateLimiter(this.#limits.ordersPerSecond, this.#limits.orderBurst);
    this.#queue = new ReportQueue(options.sink, (error) => {
      this.#deliveryErrors++;
      this.#log.error('report sink threw; report dropped', { error: String(error) });
    });
    this.#knownOrderIds = new OrderIdWindow(options.orderIdWindow);
    this.#numbering = new ReportNumbering(options.numberReportsOf);
    const replayed = replayJournal(this.#journal, options.checkpoint, this.#positions, this.#knownOrderIds, this.#lastFillSequences, this.#numbering);
    const { rested } = replayed;
    const lastSequences = this.#lastFillSequences;
    this.#checkpointFills = replayed.checkpointFills;
    this.#recovery = replayed.recovery;
    this.#executionNumber = this.#recovery.lastExecutionNumber;
    // What our fills took from those book states is not journaled: take nothing more from them.
    for (const [symbol, sequence] of lastSequences) {
      const state = this.#resting.symbol(symbol);
      state.liquidity.exhaust(sequence);
      state.restedAgainstSequence = sequence;
    }
    let restored = 0;
    for (const order of rested.values()) {
      if (order.filled >= order.quantity) continue;
      this.#resting.park(order, this.#resting.symbol(order.symbol));
      restored++;
    }
    this.#restoredRestingOrders = restored;
    if (restored > 0) this.#log.info('resting orders restored from the order journal', { orders: restored });
    // fills whose report line a crash lost get one (and an order they ended, its end), before any new work
    reportUnreported(replayed, this.#numbering, this.#journal, options.numberReportsOf !== undefined, (orderId) => this.#resting.has(orderId), this.#log);
    this.#journal.setListener({
      onDurable: (durableCount) => this.#queue.drain(durableCount),
      onFailure: (error) => this.#journalFailed(error),
    });
  }

  /** What the journal replay found. */
  get recovery(): Readonly<JournalRecovery> {
    return this.#recovery;
  }

  get limits(): RiskLimits {
    return this.#limits;
  }

  get restingOrderCount(): number {
    return this.#resting.size;
  }

  /** Reports made but waiting for the journal. */
  get reportsWaiting(): number {
    return this.#queue.waiting;
  }

  /** Reports made so far: delivered or waiting for the journal. */
  get reportsMade(): number {
    return this.#queue.delivered + this.#queue.waiting;
  }

  /**
   * Risk-check and execute one order from `client` (a stable name for the sender: its
   * reports, including later fills of a resting order, are addressed to it, and its rate
   * limit is kept under it). Returns null if accepted, else the reject code; either way
   * its reports are on their way to the sink.
   */
  handleOrder(order: Readonly<Order>, client: string, receivedNs = 0): ErrorCode | null {
    this.#orders++;
    this.#nowSeconds = this.#clock.epochSeconds();
    const verdict = this.#verdict;
    verdict.code = null;
    if (this.#failure !== undefined) {
      return this.#reject(order, client, ErrorCode.TRADE_LOG_UNAVAILABLE, `the trade log cannot be made durable (${this.#failure.message}); no order is executed`);
    }
    if (!checkOrderFields(order, verdict)) return this.#rejectVerdict(order, client);
    if (!this.#rateLimiter.tryTake(client, this.#clock.monotonicNs())) {
      return this.#reject(
        order,
        client,
        ErrorCode.RISK_RATE_LIMIT,
        `over the order rate of ${this.#limits.ordersPerSecond}/s (burst ${this.#limits.orderBurst}) for client ${client}`,
      );
    }
    if (this.#knownOrderIds.has(order.orderId) || this.#resting.has(order.orderId)) {
      return this.#reject(order, client, ErrorCode.ORDER_DUPLICATE_ID, `order id ${order.orderId} was already used`);
    }
    const book = this.#book;
    const status = this.#books.read(order.symbol, book);
    if (!checkBookUsable(order.symbol, status, book, verdict)) return this.#rejectVerdict(order, client);
    // both stamps are the gateway's: the order's tick and the update that made this book
    if (order.tickSentNs > book.sentNs && book.sentNs > 0) this.#aheadOfBook++;

    const state = this.#resting.symbol(order.symbol);
    state.liquidity.sync(book);
    // Orders already resting were in the market first: they meet a new book before this one.
    if (book.sequence !== state.restedAgainstSequence && hasResting(state)) this.#matchResting(state, book);

    const mid = midPrice(book);
    const exposure = this.#exposure;
    exposure.netPosition = state.position.netQuantity;
    exposure.restingBuyQuantity = state.restingBuyQuantity;
    exposure.restingSellQuantity = state.restingSellQuantity;
    if (!checkOrderLimits(order, mid, exposure, this.#limits, verdict)) return this.#rejectVerdict(order, client);

    // Accepted.
    this.#accepted++;
    this.#knownOrderIds.add(order.orderId);
    const entry = this.#entry;
    entry.orderId = order.orderId;
    entry.client = client;
    entry.symbol = order.symbol;
    entry.side = order.side;
    entry.orderType = order.orderType;
    entry.timeInForce = order.timeInForce;
    entry.price = order.orderType === OrderType.MARKET ? 0 : order.price;
    entry.quantity = order.quantity;
    entry.filled = 0;
    entry.notional = 0;
    entry.tickSentNs = order.tickSentNs;
    entry.orderSentNs = order.orderSentNs;
    entry.receivedNs = receivedNs;

    const limitPrice = order.orderType === OrderType.MARKET ? marketPriceBound(order.side, mid, this.#limits) : order.price;
    const plan = this.#plan;
    planTakerFills(order.side, limitPrice, order.quantity, book, state.liquidity, plan);
    const rests = entry.timeInForce === TimeInForce.DAY && plan.filled < entry.quantity;
    // Why the order was made, when its sender says (strategy orders do): journaled with the order.
    if (order.signalData !== undefined) this.#appendOrderEvent('accepted', entry, order.signalData);
    // Journaled before the fills, so that no report says "working" before the order
    // would survive a restart as working.
    if (rests) this.#appendOrderEvent('rested', entry);
    else if (plan.filled === 0) this.#appendOrderEvent('unfilled', entry); // keeps its id used after a restart
    for (let i = 0; i < plan.count; i++) {
      this.#fill(entry, state, plan.prices[i] as number, plan.quantities[i] as number, 'taker', book.sequence);
    }
    if (entry.filled < entry.quantity) {
      if (rests) this.#rest(entry, state);
      else {
        this.#report(
          entry,
          ExecutionStatus.CANCELED,
          0,
          0,
          '',
          entry.orderType === OrderType.MARKET ? REASON_MARKET_REMAINDER : REASON_IOC_REMAINDER,
        );
      }
    }
    return null;
  }

  /**
   * Cancel the resting remainder of `client`'s order. Returns null when cancelled (a
   * CANCELED report follows), E_ORDER_UNKNOWN when `client` has no resting order with
   * that id (never rested, already done, or someone else's), E_ORDER_INVALID when the
   * symbol given does not match the order's. The shell answers a code with an ERROR
   * message rather than a report, so that a filled order is never reported REJECTED.
   */
  handleCancel(cancel: Readonly<Cancel>, client: string): ErrorCode | null {
    const order = this.#resting.get(cancel.orderId);
    if (order === undefined || order.client !== client) return ErrorCode.ORDER_UNKNOWN;
    if (cancel.symbol !== '' && cancel.symbol !== order.symbol) return ErrorCode.ORDER_INVALID;
    this.#nowSeconds = this.#clock.epochSeconds();
    this.#cancelResting(order, REASON_CANCEL_REQUEST);
    return null;
  }

  /**
   * The ids of `client`'s orders that are not done as far as it could be told: resting, or
   * with a report waiting for the journal (it will be delivered). For a resuming client.
   */
  workingOrderIds(client: string): Set<string> {
    const ids = new Set<string>();
    for (const order of this.#resting.orders()) if (order.client === client) ids.add(order.orderId);
    this.#queue.forEachWaiting(client, (orderId) => ids.add(orderId));
    return ids;
  }

  /** Cancel every resting order of `client` (for cancel-on-disconnect). Returns how many. */
  cancelAllForClient(client: string, reason: string): number {
    this.#nowSeconds = this.#clock.epochSeconds();
    let canceled = 0;
    for (const order of [...this.#resting.orders()]) {
      if (order.client !== client) continue;
      this.#cancelResting(order, reason);
      canceled++;
    }
    return canceled;
  }

  /**
   * This order manager's state at the journal's durable point, for a checkpoint; undefined
   * while anything appended is not yet durable (or the journal failed, or cannot say).
   */
  checkpointState(): Omit<Checkpoint, 'version'> | undefined {
    if (this.#failure !== undefined || this.#queue.waiting > 0) return undefined;
    const point = this.#journal.durablePoint?.();
    if (point === undefined) return undefined;
    return checkpointOf(point, this.#executionNumber, this.#positions, this.#knownOrderIds, this.#resting.orders(), this.#lastFillSequences, this.#numbering);
  }

  /** Per-identity report sequences and the journal's session id (resync). */
  get numbering(): ReportNumbering {
    return this.#numbering;
  }

  /** Fills before the journal replay started (those of the checkpoint) plus the replayed ones. */
  get recoveredFills(): number {
    return this.#checkpointFills + this.#recovery.tradeLog.records;
  }

  /** Order ids a duplicate is checked against now (bounded by the window). */
  get orderIdsKept(): number {
    return this.#knownOrderIds.size;
  }

  /** Free what is kept per client (its rate-limit bucket): its connection is gone. */
  forgetClient(client: string): void {
    this.#rateLimiter.forget(client);
  }

  /** Clients with per-client state (rate-limit buckets); flat in the number of connections ever made. */
  get trackedClients(): number {
    return this.#rateLimiter.size;
  }

  /** Cancel every resting order (end of the day: the process stops). Returns how many. */
  cancelAll(reason: string): number {
    this.#nowSeconds = this.#clock.epochSeconds();
    const orders = [...this.#resting.orders()];
    for (const order of orders) this.#cancelResting(order, reason);
    return orders.length;
  }

  /**
   * A new book of `symbol` arrived (from any source): resting orders it reaches fill.
   * Returns the number of fills. Calling it again with the same book state fills nothing
   * more: what was taken from a book state is remembered.
   */
  onBook(symbol: string, book: L2Book): number {
    const state = this.#resting.existing(symbol);
    if (state === undefined || !hasResting(state) || this.#failure !== undefined) return 0;
    this.#nowSeconds = this.#clock.epochSeconds();
    return this.#matchResting(state, book);
  }

  /**
   * Read the book of every symbol with resting orders and match those whose book changed
   * since they were last matched. Cheap when nothing rests; call it from the duty cycle.
   * Returns the number of fills.
   */
  pollRestingOrders(): number {
    if (this.#resting.activeSymbols.size === 0 || this.#failure !== undefined) return 0;
    this.#nowSeconds = this.#clock.epochSeconds();
    let fills = 0;
    // Deleting the entry being visited (its last order filled) is safe during Set iteration.
    for (const state of this.#resting.activeSymbols) {
      const status = this.#books.read(state.symbol, this.#book);
      if (status !== 'live' || this.#book.sequence === state.restedAgainstSequence) continue;
      fills += this.#matchResting(state, this.#book);
    }
    return fills;
  }

  restingOrder(orderId: string): RestingOrderView | undefined {
    const order = this.#resting.get(orderId);
    if (order === undefined) return undefined;
    return restingOrderView(order);
  }

  /** Positions and PnL, marked at each symbol's mid (the last known book when stale). */
  positions(): PositionsSnapshot {
    return this.#positions.snapshot((symbol) =>
      this.#books.read(symbol, this.#markBook) === 'unknown' ? Number.NaN : midPrice(this.#markBook),
    );
  }

  /** Rejects so far, by code. */
  rejectsByCode(): Record<string, number> {
    return Object.fromEntries(this.#rejectsByCode);
  }

  /** Flat counters for the supervisor (PnL in currency units). */
  counters(): Record<string, number> {
    const positions = this.positions();
    const counters: Record<string, number> = {
      orders: this.#orders,
      ordersAccepted: this.#accepted,
      rejects: this.#rejects,
      fills: this.#fills,
      filledQuantity: this.#filledQuantity,
      cancels: this.#cancels,
      restingOrders: this.#resting.size,
      reportsWaiting: this.#queue.waiting,
      reportsDelivered: this.#queue.delivered,
      reportDeliveryErrors: this.#deliveryErrors,
      ordersAheadOfBook: this.#aheadOfBook,
      recoveredFills: this.recoveredFills,
      recoveredOrderEvents: this.#recovery.orderJournal.records,
      recoveredCorruptLines: this.#recovery.tradeLog.corruptLines + this.#recovery.orderJournal.corruptLines,
      restoredRestingOrders: this.#restoredRestingOrders,
      realizedPnl: fromPriceUnits(positions.realizedPnl),
      unrealizedPnl: fromPriceUnits(positions.unrealizedPnl),
    };
    for (const [code, count] of this.#rejectsByCode) counters[`rejects.${code}`] = count;
    return counters;
  }

  /** Resolves once every report made so far has been delivered; rejects if the journal failed. */
  async flush(): Promise<void> {
    while (this.#queue.waiting > 0) {
      if (this.#failure !== undefined) throw this.#failure;
      await this.#journal.flush();
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  // ---- execution -------------------------------------------------------------------------

  /** One fill of `order`: position, journal, report. */
  #fill(order: WorkingOrder, state: SymbolState, price: number, quantity: number, liquidity: Liquidity, bookSequence: number): void {
    order.filled += quantity;
    order.notional += quantity * price;
    state.position.apply(order.side === Side.BUY, quantity, price);
    this.#fills++;
    this.#filledQuantity += quantity;
    if (this.#lastFillSequences.get(state.symbol) !== bookSequence) this.#lastFillSequences.set(state.symbol, bookSequence);
    const report = this.#fillReport(order, price, quantity);
    const position = this.#numbering.journalFill(order.client, report, this.#journal, liquidity, bookSequence);
    this.#queue.push(order.client, report, position, this.#journal.durableCount);
  }

  #fillReport(order: WorkingOrder, price: number, quantity: number): ExecutionReport {
    const status = order.filled === order.quantity ? ExecutionStatus.FILLED : ExecutionStatus.PARTIALLY_FILLED;
    return writeOrderReport(this.#queue.acquire(), order, this.#nowSeconds, executionIdFor(++this.#executionNumber), status, quantity, price, '', '');
  }

  /** A report without a fill (NEW, CANCELED), queued behind any fill before it. */
  #report(order: WorkingOrder, status: ExecutionStatus, lastQuantity: number, lastPrice: number, rejectCode: string, reason: string): void {
    const report = writeOrderReport(this.#queue.acquire(), order, this.#nowSeconds, '', status, lastQuantity, lastPrice, rejectCode, reason);
    this.#pushWithoutFill(order.client, report);
  }

  /** The remainder of a DAY limit order rests (a copy of the scratch entry; its event is journaled). */
  #rest(entry: WorkingOrder, state: SymbolState): void {
    const order: WorkingOrder = { ...entry };
    this.#resting.park(order, state);
    // A partial fill already said PARTIALLY_FILLED with leaves > 0; an untouched order says NEW.
    if (order.filled === 0) this.#report(order, ExecutionStatus.NEW, 0, 0, '', '');
  }

  /** Journal an order event about `order`; reports made after it wait for it. */
  #appendOrderEvent(kind: OrderEventKind, order: WorkingOrder, signalData?: Record<string, unknown>): void {
    this.#journal.appendOrderEvent(writeOrderEvent(this.#event, kind, order, signalData, this.#nowSeconds));
  }

  /** Resting orders of `state` meet `book`; returns the number of fills. */
  #matchResting(state: SymbolState, book: L2Book): number {
    state.restedAgainstSequence = book.sequence;
    state.liquidity.sync(book);
    let fills = this.#matchRestingSide(state, state.restingBuys, book);
    fills += this.#matchRestingSide(state, state.restingSells, book);
    this.#resting.settle(state);
    return fills;
  }

  #matchRestingSide(state: SymbolState, resting: WorkingOrder[], book: L2Book): number {
    let fills = 0;
    let kept = 0;
    for (let i = 0; i < resting.length; i++) {
      const order = resting[i] as WorkingOrder;
      const quantity = takeRestingFill(order.side, order.price, order.quantity - order.filled, book, state.liquidity);
      if (quantity > 0) {
        if (order.side === Side.BUY) state.restingBuyQuantity -= quantity;
        else state.restingSellQuantity -= quantity;
        this.#fill(order, state, order.price, quantity, 'maker', book.sequence);
        fills++;
      }
      if (order.filled < order.quantity) resting[kept++] = order;
      else this.#resting.filledOut(order);
    }
    resting.length = kept;
    return fills;
  }

  #cancelResting(order: WorkingOrder, reason: string): void {
    this.#resting.remove(order);
    this.#cancels++;
    if (this.#failure === undefined) this.#appendOrderEvent('canceled', order);
    this.#report(order, ExecutionStatus.CANCELED, 0, 0, '', reason);
  }

  // ---- rejects ---------------------------------------------------------------------------

  #rejectVerdict(order: Readonly<Order>, client: string): ErrorCode {
    return this.#reject(order, client, this.#verdict.code ?? ErrorCode.ORDER_INVALID, this.#verdict.reason);
  }

  #reject(order: Readonly<Order>, client: string, code: ErrorCode, reason: string): ErrorCode {
    this.#rejects++;
    this.#rejectsByCode.set(code, (this.#rejectsByCode.get(code) ?? 0) + 1);
    this.#pushWithoutFill(client, writeRejectReport(this.#queue.acquire(), order, code, reason, this.#nowSeconds));
    return code;
  }

  /**
   * A report without a fill depends on every fill appended before it (so it cannot
   * overtake them). Once the journal has failed, those will never be durable and their
   * reports were dropped: what is left to say (rejects) leaves at once.
   */
  #pushWithoutFill(client: string, report: ExecutionReport): void {
    const durable = this.#journal.durableCount;
    if (this.#failure !== undefined) {
      report.sequence = 0; // never journaled: not a report a resync could replay
      this.#queue.push(client, report, durable, durable);
      return;
    }
    // a numbered report (a reject too) leaves only once its report line is durable
    this.#queue.push(client, report, this.#numbering.journal(client, report, this.#journal, this.#journal.appendedCount), durable);
  }

  // ---- failure ---------------------------------------------------------------------------

  /**
   * The journal failed: nothing appended after its last durable point will ever be durable
   * (and the journal cut it off the file), so no report waiting for it may leave. Each order
   * those reports were about is told instead, once: REJECTED E_TRADE_LOG_UNAVAILABLE, with
   * the quantity filled durably before. From now on every order is rejected the same way.
   */
  #journalFailed(error: TradingError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    const voided: { client: string; orderId: string; report: ExecutionReport }[] = [];
    const seen = new Set<string>();
    const dropped = this.#queue.discard((client, report) => {
      const key = `${client}\u0000${report.orderId}`;
      if (seen.has(key)) return;
      seen.add(key);
      voided.push({ client, orderId: report.orderId, report: durablePartOf(report) });
    });
    this.#log.error('trade log failed: no more orders are executed', { error: error.message, reportsVoided: dropped, ordersRejected: voided.length });
    const reason = `the trade log cannot be made durable (${error.message}); this order's unlogged fills are void`;
    for (const { client, report } of voided) {
      this.#rejects++;
      this.#rejectsByCode.set(ErrorCode.TRADE_LOG_UNAVAILABLE, (this.#rejectsByCode.get(ErrorCode.TRADE_LOG_UNAVAILABLE) ?? 0) + 1);
      this.#pushWithoutFill(client, writeVoidReject(this.#queue.acquire(), report, reason));
    }
    this.#onJournalFailure?.(error);
  }
}


