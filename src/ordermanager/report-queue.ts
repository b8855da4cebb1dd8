/**
 * Execution reports waiting for the trade log, and the pool they come from.
 *
 * Every report is queued with the journal position it depends on: a fill's own position,
 * or for a report without a fill the position of the last fill appended before it. A
 * report leaves only when the journal is durable up to that position, and reports leave
 * in the order they were made, so a client never hears of a fill before it is on disk
 * nor hears of a later event before an earlier one. When nothing is waiting and the
 * journal is caught up (a reject, an order that rested untouched), the report leaves at
 * once.
 *
 * Reports are pooled: `acquire` reuses a delivered report object, so in steady state the
 * order manager allocates no report objects. The price is a rule for the sink: encode
 * the report during `deliver` and do not keep it.
 */
import { createExecutionReport } from '../protocol/reusable-messages.js';
import { type ExecutionReport } from '../protocol/messages.js';

export interface ExecutionReportSink {
  /**
   * A report may leave now: send it to `client`. The object is reused after this returns,
   * so encode it here and keep nothing.
   */
  deliver(client: string, report: Readonly<ExecutionReport>): void;
  /**
   * Called once a durable point has released reports (after their deliver calls): write them
   * out now. Left to the end of the event-loop turn, they would first wait for whatever else
   * the turn does, such as reading another client's order and syncing its fill on this
   * thread.
   */
  flush?(): void;
}


const INITIAL_CAPACITY = 1024;

export class ReportQueue {
  readonly #sink: ExecutionReportSink;
  readonly #onDeliveryError: (error: unknown) => void;
  #reports: (ExecutionReport | undefined)[] = new Array<ExecutionReport | undefined>(INITIAL_CAPACITY);
  #clients: string[] = new Array<string>(INITIAL_CAPACITY).fill('');
  #positions = new Float64Array(INITIAL_CAPACITY);
  #head = 0;
  #count = 0;
  readonly #free: ExecutionReport[] = [];
  #delivered = 0;

  /**
   * `onDeliveryError` hears a sink that threw; the queue goes on with the next report
   * rather than let one broken client stall everyone (or crash the journal's callback).
   */
  constructor(sink: ExecutionReportSink, onDeliveryError: (error: unknown) => void) {
    this.#sink = sink;
    this.#onDeliveryError = onDeliveryError;
  }

  /** Reports waiting for the journal. */
  get waiting(): number {
    return this.#count;
  }

  get delivered(): number {
    return this.#delivered;
  }

  /** A report object to fill in (every field is overwritten by the caller). */
  acquire(): ExecutionReport {
    return this.#free.pop() ?? createExecutionReport();
  }

  /** Hand back a report that will not be queued after all. */
  release(report: ExecutionReport): void {
    this.#free.push(report);
  }

  /** Queue `report` for `client`; it leaves once `durableCount >= position`. */
  push(client: string, report: ExecutionReport, position: number, durableCount: number): void {
    if (this.#count === 0 && position <= durableCount) {
      this.#deliver(client, report);
      return;
    }
    if (this.#count === this.#positions.length) this.#grow();
    const tail = (this.#head + this.#count) % this.#positions.length;
    this.#reports[tail] = report;
    this.#clients[tail] = client;
    this.#positions[tail] = position;
    this.#count++;
  }

  /** The order id of every waiting report of `client`, oldest first. */
  forEachWaiting(client: string, visit: (orderId: string) => void): void {
    const capacity = this.#positions.length;
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#head + i) % capacity;
      if (this.#clients[index] === client) visit((this.#reports[index] as ExecutionReport).orderId);
    }
  }

  /** Deliver, in order, every waiting report whose position is durable. */
  drain(durableCount: number): void {
    const capacity = this.#positions.length;
    const deliveredBefore = this.#delivered;
    while (this.#count > 0 && this.#positions[this.#head] <= durableCount) {
      const head = this.#head;
      const report = this.#reports[head] as ExecutionReport;
      const client = this.#clients[head] as string;
      this.#reports[head] = undefined;
      this.#head = (head + 1) % capacity;
      this.#count--;
      this.#deliver(client, report);
    }
    if (this.#delivered === deliveredBefore || this.#sink.flush === undefined) return;
    try {
      this.#sink.flush();
    } catch (error) {
      this.#onDeliveryError(error);
    }
  }

  /**
   * Drop every waiting report (the journal failed: none of them may leave), oldest first
   * past `onDropped` (which must not push). Returns how many.
   */
  discard(onDropped?: (client: string, report: Readonly<ExecutionReport>) => void): number {
    const dropped = this.#count;
    while (this.#count > 0) {
      const report = this.#reports[this.#head] as ExecutionReport;
      onDropped?.(this.#clients[this.#head] as string, report);
      this.#reports[this.#head] = undefined;
      this.#free.push(report);
      this.#head = (this.#head + 1) % this.#positions.length;
      this.#count--;
    }
    return dropped;
  }

  #deliver(client: string, report: ExecutionReport): void {
    try {
      this.#sink.deliver(client, report);
    } catch (error) {
      this.#onDeliveryError(error);
    }
    this.#delivered++;
    this.#free.push(report);
  }

  #grow(): void {
    const capacity = this.#positions.length * 2;
    const reports = new Array<ExecutionReport | undefined>(capacity);
    const clients = new Array<string>(capacity).fill('');
    const positions = new Float64Array(capacity);
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#head + i) % this.#positions.length;
      reports[i] = this.#reports[index];
      clients[i] = this.#clients[index] as string;
      positions[i] = this.#positions[index] as number;
    }
    this.#reports = reports;
    this.#clients = clients;
    this.#positions = positions;
    this.#head = 0;
  }
}
