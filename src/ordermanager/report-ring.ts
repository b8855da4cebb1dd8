/**
 * The last N execution reports of one identity, numbered, kept for resync: a client that
 * reconnects says the last sequence it saw and is sent every later report from here.
 *
 * The ring owns N report objects allocated once; `push` copies a report's fields into the
 * oldest slot, so keeping reports allocates nothing per report (their strings are shared,
 * not copied). Sequences in the ring are consecutive: slot i holds `newest - count + 1 + i`.
 */
import { createExecutionReport } from '../protocol/reusable-messages.js';
import { type ExecutionReport } from '../protocol/messages.js';
import { ErrorCode, TradingError } from '../core/errors.js';


function copyReport(to: ExecutionReport, from: Readonly<ExecutionReport>): void {
  to.executionId = from.executionId;
  to.orderId = from.orderId;
  to.symbol = from.symbol;
  to.side = from.side;
  to.orderType = from.orderType;
  to.timeInForce = from.timeInForce;
  to.status = from.status;
  to.lastQuantity = from.lastQuantity;
  to.lastPrice = from.lastPrice;
  to.orderPrice = from.orderPrice;
  to.orderQuantity = from.orderQuantity;
  to.filledQuantity = from.filledQuantity;
  to.leavesQuantity = from.leavesQuantity;
  to.averagePrice = from.averagePrice;
  to.timestamp = from.timestamp;
  to.rejectCode = from.rejectCode;
  to.reason = from.reason;
  to.tickSentNs = from.tickSentNs;
  to.orderSentNs = from.orderSentNs;
  to.sequence = from.sequence;
}

export class ReportRing {
  readonly capacity: number;
  readonly #slots: ExecutionReport[];
  #next = 0;
  #count = 0;
  #newest = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TradingError(ErrorCode.CONFIG_INVALID, `ReportRing capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#slots = [];
    for (let index = 0; index < capacity; index++) this.#slots.push(createExecutionReport());
  }

  /** Sequence of the newest report kept (0 = none yet). */
  get newest(): number {
    return this.#newest;
  }

  /** Sequence of the oldest report kept (newest + 1 when empty). */
  get oldest(): number {
    return this.#newest - this.#count + 1;
  }

  /** Empty, and the next report kept is `sequence + 1` (numbering that began before this ring). */
  startAfter(sequence: number): void {
    this.#count = 0;
    this.#newest = sequence;
  }

  /** Keep `report` (its sequence must be newest + 1). */
  push(report: Readonly<ExecutionReport>): void {
    const slot = this.#slots[this.#next] as ExecutionReport;
    copyReport(slot, report);
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#count < this.capacity) this.#count++;
    this.#newest = report.sequence;
  }

  /** Whether every report after `lastSeen` is still here. */
  canReplayAfter(lastSeen: number): boolean {
    return lastSeen >= this.oldest - 1 && lastSeen <= this.#newest;
  }

  /** Hand every kept report with sequence > lastSeen to `send`, oldest first. Returns how many. */
  replayAfter(lastSeen: number, send: (report: ExecutionReport) => void): number {
    const from = Math.max(lastSeen + 1, this.oldest);
    let sent = 0;
    for (let sequence = from; sequence <= this.#newest; sequence++) {
      const age = this.#newest - sequence; // 0 = newest
      const index = (this.#next - 1 - age + this.capacity * 2) % this.capacity;
      send(this.#slots[index] as ExecutionReport);
      sent++;
    }
    return sent;
  }
}
