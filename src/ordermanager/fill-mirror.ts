/**
 * The drop copy's source: every durable fill, in order, into the JetStream stream
 * EXECUTIONS (subject `exec.<SYMBOL>`, our binary TRADE_EXECUTION payload, the execution
 * id as `Nats-Msg-Id`), for any number of remote readers (`trading dropcopy`).
 *
 * Where it hooks in: the report queue hands a report to the sink only once the trade log
 * is durable up to it, and in the order the reports were made (report-queue.ts). The
 * mirror takes the fills from there: what it mirrors is exactly what the log holds, after
 * its sync, never before, and never a fill a failed sync may have lost.
 *
 * The trade log stays the record; the stream is a copy that catches up with it:
 * - at start and after every interruption the publisher reads the stream's last execution
 *   id and resends from the next fill (OrderedPublisher); fills the stream misses from
 *   before this process (an order manager that crashed before mirroring, or ran without a
 *   bus) are read back from the trade log;
 * - while the bus is down fills wait in memory, up to a bound; past it they are dropped
 *   from memory and read back from the trade log when the bus is back.
 * Allocation: each fill mirrored is a copy of its encoded report kept until the stream
 * acknowledges it (plus what the NATS client allocates per publish); without --bus nothing
 * of this runs and the order manager's path stays allocation-free.
 *
 * Fills are numbered by their place among the trade log's valid fill lines: the first
 * `logged` of them are on disk from before (or were dropped from memory) and come from
 * the file; the rest of this run are in the publisher's queue.
 */
import { createExecutionReport } from '../protocol/reusable-messages.js';
import { closeSync, openSync } from 'node:fs';
import { OrderedPublisher, type StreamRecord } from '../bus/ordered-publisher.js';
import type { BusConnection } from '../bus/bus-connection.js';
import { DEFAULT_EXECUTIONS_STREAM, EXECUTIONS_PREFIX, executionSubject } from '../bus/subjects.js';
import type { Logger } from '../core/log.js';
import type { ComponentMetricName, MetricsWriter } from '../metrics/index.js';
import { MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { ExecutionStatus, type ExecutionReport } from '../protocol/messages.js';
import { scanJournalLines } from './journal-file.js';
import { createLoggedFill, executionNumberOf, parseFillLine, writeFillReport } from './trade-log-line.js';

export interface FillMirrorOptions {
  connection: BusConnection;
  tradeLogPath: string;
  /** Valid fill lines in the trade log when this process started. */
  fillsAtStart: number;
  stream?: string;
  log: Logger;
  maxQueued?: number;
}

export class FillMirror {
  readonly #options: FillMirrorOptions;
  readonly #publisher: OrderedPublisher;
  readonly #encoder = new MessageEncoder({ mode: 'binary' });
  /** Fills numbered below this come from the trade log at the next resync. */
  #fromLog: number;
  /** Fills handed to the mirror (the log's fill count at start plus this run's). */
  #fills: number;
  #offered = 0;
  /** Fills dropped from memory by an overflow, until the next resync reads them back. */
  #droppedFromMemory = 0;

  constructor(options: FillMirrorOptions) {
    this.#options = options;
    this.#fromLog = options.fillsAtStart;
    this.#fills = options.fillsAtStart;
    this.#publisher = new OrderedPublisher({
      connection: options.connection,
      stream: { name: options.stream ?? DEFAULT_EXECUTIONS_STREAM, subjects: [`${EXECUTIONS_PREFIX}>`] },
      log: options.log,
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
      backlog: (streamLastId, lostAcknowledged) => this.#backlog(streamLastId, lostAcknowledged),
      onOverflow: (dropped) => {
        this.#droppedFromMemory += dropped;
        this.#fromLog = this.#fills;
      },
    });
  }

  get publisher(): OrderedPublisher {
    return this.#publisher;
  }

  start(): void {
    this.#publisher.start();
  }

  /** A durable report (from the report sink); fills are queued for the stream, others ignored. */
  offer(report: Readonly<ExecutionReport>): void {
    if (report.lastQuantity <= 0) return;
    this.#fills++;
    this.#offered++;
    this.#publisher.push(this.#record(report));
  }

  counters(): Record<string, number> {
    const c = this.#publisher.counters;
    return {
      mirror_fills: this.#offered,
      mirror_published: c.published,
      mirror_queued: this.#publisher.queued,
      mirror_duplicates: c.duplicates,
      mirror_resyncs: c.resyncs,
      mirror_failures: c.failures,
      mirror_overflows: c.overflows,
      mirror_heals: c.backlog,
      mirror_store_losses: c.storeLosses,
    };
  }

  /** Into the order manager's counters segment (registry: mirror_*), every publish interval. */
  publishMetrics(w: MetricsWriter<ComponentMetricName<'ordermanager'>>): void {
    const c = this.#publisher.counters;
    w.set('mirror_fills', this.#offered);
    w.set('mirror_published', c.published);
    // the drop copy's lag behind the trade log, as far as this process knows it
    w.set('mirror_lag', this.#publisher.queued + this.#droppedFromMemory);
    w.set('mirror_heals', c.backlog);
    w.set('mirror_duplicates', c.duplicates);
    w.set('mirror_resyncs', c.resyncs);
    w.set('mirror_failures', c.failures);
    w.set('mirror_overflows', c.overflows);
    w.set('mirror_store_losses', c.storeLosses);
  }

  /** Wait (bounded) until the stream holds every fill offered, then stop. */
  async close(timeoutMs = 2_000): Promise<boolean> {
    const caughtUp = this.#options.connection.connected ? await this.#publisher.idle(timeoutMs) : false;
    await this.#publisher.close();
    return caughtUp;
  }

  #record(report: Readonly<ExecutionReport>): StreamRecord {
    const bytes = this.#encoder.encode(report as ExecutionReport, 'binary');
    return {
      id: report.executionId,
      subject: executionSubject(report.symbol),
      // a copy: the encoder's buffer is reused (Buffer's own slice would be a view)
      data: Uint8Array.prototype.slice.call(this.#encoder.buffer, FRAME_HEADER_BYTES, bytes),
    };
  }

  /**
   * The fills the stream misses before the queued ones, read from the trade log: those
   * numbered below #fromLog (from before this run, or dropped from memory) after `lastId`;
   * or, when the stream ends before the last fill it acknowledged (it lost its unsynced tail
   * in a crash), every fill not queued after `lastId`.
   */
  #backlog(lastId: string | undefined, lostAcknowledged: boolean): StreamRecord[] {
    // what an overflow dropped is read back now (or found in the stream)
    this.#droppedFromMemory = 0;
    if (lostAcknowledged) this.#fromLog = this.#fills - this.#publisher.queued;
    const limit = this.#fromLog;
    if (limit === 0) return [];
    const lastNumber = lastId === undefined ? 0n : executionNumberOf(lastId);
    // never past the first fill already queued (a line on disk whose report is on its way)
    const queuedFirst = this.#publisher.firstQueuedId;
    let records: StreamRecord[] = [];
    let foundLast = lastId === undefined;
    // fills are counted once each by execution id, as recovery counts them
    const seen = new Set<string>();
    const fill = createLoggedFill();
    const report = createExecutionReport(ExecutionStatus.FILLED);
    const fd = openSync(this.#options.tradeLogPath, 'r');
    try {
      scanJournalLines(
        fd,
        (line) => {
          if (!parseFillLine(line, fill)) return false;
          if (seen.size >= limit || seen.has(fill.executionId) || fill.executionId === queuedFirst) return true;
          seen.add(fill.executionId);
          if (fill.executionId === lastId) {
            foundLast = true;
            records = [];
            return true;
          }
          // not found (yet): keep what is newer than the stream's last id by number
          if (!foundLast && lastNumber > 0n && fill.executionNumber > 0n && fill.executionNumber <= lastNumber) return true;
          writeFillReport(fill, report);
          records.push(this.#record(report));
          return true;
        },
        () => undefined,
      );
    } finally {
      closeSync(fd);
    }
    this.#fromLog = 0;
    if (records.length > 0) this.#options.log.info('fills read back from the trade log for the stream', { fills: records.length, after: lastId ?? '(empty stream)' });
    return records;
  }
}
