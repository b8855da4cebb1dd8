/**
 * The trade log and its order journal: the order manager's durable record.
 *
 * - The trade log (`path`, e.g. trades.log): one JSON line per fill (trade-log-line.ts),
 *   the seed's fields plus ours. Nothing else is ever written to it.
 * - The order journal (`path` + ".orders" unless given): one JSON line per order event
 *   (order-event-line.ts) that fills cannot express: a DAY order resting, a resting order
 *   cancelled, an order that ended with no fill. With it, resting orders survive a
 *   restart and every used order id stays used. It also holds a proven identity's
 *   numbered execution reports and the journal's session id, for resync (report-line.ts).
 *
 * Group commit. `append` only queues a line. The first append after an idle period
 * schedules a commit as a microtask, so every line produced by the same burst of input
 * (all the orders decoded from one TCP chunk) goes into one write + fdatasync per file
 * (both files in parallel). While a commit is in flight, appends accumulate and become
 * the next commit the moment it ends. One fdatasync costs about the same for 1 line as
 * for 500, so under load batches grow with the load, while an isolated fill waits only
 * for its own sync.
 *
 * Small commits. With `syncCommitMaxLines` > 0, a commit of that many lines or fewer syncs
 * on the event-loop thread (fdatasyncSync) rather than the threadpool: an isolated order
 * then skips a worker wakeup and the wakeup back (about 40-50 µs at the median, more in
 * the tail on a busy machine), and its report is delivered in the same event-loop turn.
 * Intake is blocked meanwhile, but a small batch means there is little intake; the orders
 * that do arrive wait in the socket and form the next batch, so under load the batches
 * grow past the bound and commits go back to the threadpool while intake goes on.
 *
 * Failure. If a write or fdatasync fails, nothing in or after that batch may be reported
 * as durable (after a failed fsync the kernel may have dropped the dirty pages), so the
 * journal fails for good: the listener hears it once, flush() rejects, appends throw,
 * and the process should stop and let its supervisor restart it, which recovers from
 * what is on disk.
 *
 * Recovery (`recover`, once, before the first append) streams both files, replays every
 * valid line, counts, logs and skips torn or corrupt ones, and remembers whether a file
 * ended mid-line so that its next append starts on a fresh line. Report lines of fills the
 * trade log does not hold (a crash between the two files' syncs) are cut off the order
 * journal, never replayed (unlogged-reports.ts); fills whose report line is missing get one
 * from the order manager (recovery.ts).
 */
import { close, fdatasyncSync, fstatSync, ftruncateSync } from 'node:fs';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import type { ExecutionReport } from '../protocol/messages.js';
import type {
  ExecutionJournal,
  JournalFileRecovery,
  JournalListener,
  JournalRecovery,
  Liquidity,
  OrderEvent,
  RecoveryHandlers,
  RecoveryStart,
} from './execution-journal.js';
import type { JournalPoint } from './checkpoint.js';
import {
  appendDurably,
  appendDurablySync,
  checkDiskWritable,
  cutTornTail,
  describeDiskError,
  describeCorruptReason,
  openJournalFile,
  repairJournalFile,
  scanJournalLines,
  type CorruptLine,
  type ScanResult,
} from './journal-file.js';
import { JournalFile } from './journal-staging.js';
import { createOrderEvent, encodeOrderEventLine, parseOrderJournalLine } from './order-event-line.js';
import { createJournalNote, encodeReportLine, encodeSessionLine } from './report-line.js';
import { readReportLines } from './report-replay.js';
import { UnloggedReports } from './unlogged-reports.js';
import { createLoggedFill, parseFillLine, scavengeIds } from './trade-log-line.js';
import { fillLineMaxBytes, writeFillLine } from './fill-line-writer.js';

export const ORDER_JOURNAL_SUFFIX = '.orders';
/** Where the repair moves bad lines: beside the file, this suffix added. */
export const BAD_LINES_SUFFIX = '.bad';

export interface TradeLogOptions {
  logger?: Logger;
  /** Where the order journal lives (default: the trade log's path + ".orders"). */
  orderJournalPath?: string;
  /** File mode when a file is created (default 0o640). */
  mode?: number;
  /**
   * A commit of at most this many lines is written and fdatasync'd on the calling thread
   * (appendDurablySync) instead of the threadpool (default 0: never). See "Small commits".
   */
  syncCommitMaxLines?: number;
  /**
   * Before opening, move every line that is not a valid record (bad checksum, garbage,
   * a torn tail) of either file into a file beside it (PATH.bad), so that recovery can
   * start. Without it, such a line anywhere but the torn tail refuses the start.
   */
  repair?: boolean;
  /** Told how long each commit (write + fdatasync) took, µs: the journal sync time histogram. */
  onCommitUs?: (microseconds: number) => void;
}

export interface TradeLogStats {
  /** Commits (write + fdatasync of each file with something to write) completed. */
  commits: number;
  /** Lines (fills and order events) made durable. */
  linesCommitted: number;
  /** Largest number of lines in one commit. */
  largestBatch: number;
  /** Trade log lines (fills, not order events) made durable. */
  fillsCommitted: number;
}

interface FlushWaiter {
  position: number;
  resolve: () => void;
  reject: (error: TradingError) => void;
}

/** Initial size of each of a file's two staging buffers (they grow to the largest batch). */
const NO_LISTENER: JournalListener = { onDurable: () => undefined, onFailure: () => undefined };

export class TradeLog implements ExecutionJournal {
  readonly path: string;
  readonly orderJournalPath: string;
  readonly #log: Logger;
  readonly #fills: JournalFile;
  readonly #orders: JournalFile;
  #listener: JournalListener = NO_LISTENER;
  #recovered = false;
  #repairedLines = 0;
  #scavenged: { executionNumber: bigint; orderIds: Set<string> } = { executionNumber: 0n, orderIds: new Set() };
  #closed = false;
  #failure: TradingError | undefined;
  #appended = 0;
  #durable = 0;
  #commitScheduled = false;
  #commitInFlight = false;
  readonly #syncCommitMaxLines: number;
  #waiters: FlushWaiter[] = [];
  #closing: Promise<void> | undefined;
  readonly #stats: TradeLogStats = { commits: 0, linesCommitted: 0, largestBatch: 0, fillsCommitted: 0 };
  readonly #onCommitUs: ((microseconds: number) => void) | undefined;
  /** When the commit in flight started (performance.now(), a double: nothing allocated per commit). */
  #commitStartMs = 0;

  private constructor(fills: JournalFile, orders: JournalFile, log: Logger, syncCommitMaxLines: number, onCommitUs?: (microseconds: number) => void) {
    this.#syncCommitMaxLines = syncCommitMaxLines;
    this.#onCommitUs = onCommitUs;
    this.path = fills.path;
    this.orderJournalPath = orders.path;
    this.#fills = fills;
    this.#orders = orders;
    this.#log = log;
  }

  /**
   * Open (creating if needed) the trade log and its order journal. Throws
   * E_TRADE_LOG_UNWRITABLE when either cannot be opened for appending.
   */
  static open(path: string, options: TradeLogOptions = {}): TradeLog {
    const log = options.logger ?? createLogger('trade-log');
    const mode = options.mode ?? 0o640;
    const ordersPath = options.orderJournalPath ?? path + ORDER_JOURNAL_SUFFIX;
    let repairedLines = 0;
    // ids read from the moved lines stay used: one of them may have been reported
    const scavenged = { executionNumber: 0n, orderIds: new Set<string>() };
    const scavenge = (text: string): void => {
      const ids = scavengeIds(text);
      if (ids.executionNumber > scavenged.executionNumber) scavenged.executionNumber = ids.executionNumber;
      if (ids.orderId !== undefined) scavenged.orderIds.add(ids.orderId);
    };
    if (options.repair === true) {
      const fill = createLoggedFill();
      const event = createOrderEvent();
      const note = createJournalNote();
      for (const [file, isRecord] of [
        [path, (line: string) => parseFillLine(line, fill)],
        [ordersPath, (line: string) => parseOrderJournalLine(line, event, note) !== undefined],
      ] as const) {
        const moved = repairJournalFile(file, file + BAD_LINES_SUFFIX, isRecord, scavenge);
        if (moved > 0) log.warn('repair: bad lines moved aside', { path: file, lines: moved, movedTo: file + BAD_LINES_SUFFIX });
        repairedLines += moved;
      }
    }
    checkDiskWritable(path);
    const fillsFd = openJournalFile(path, mode, 'trade log');
    let ordersFd: number;
    try {
      ordersFd = openJournalFile(ordersPath, mode, 'order journal');
    } catch (err) {
      close(fillsFd, () => undefined);
      throw err;
    }
    const tradeLog = new TradeLog(new JournalFile(path, 'trade log', fillsFd), new JournalFile(ordersPath, 'order journal', ordersFd), log, options.syncCommitMaxLines ?? 0, options.onCommitUs);
    tradeLog.#repairedLines = repairedLines;
    tradeLog.#scavenged = scavenged;
    return tradeLog;
  }

  get appendedCount(): number {
    return this.#appended;
  }

  get durableCount(): number {
    return this.#durable;
  }

  get failure(): TradingError | undefined {
    return this.#failure;
  }

  get stats(): Readonly<TradeLogStats> {
    return this.#stats;
  }

  setListener(listener: JournalListener): void {
    this.#listener = listener;
  }

  /**
   * The journal's durable point when everything appended is durable (a checkpoint may be
   * taken there), else undefined.
   */
  durablePoint(): { tradeLog: JournalPoint; orderJournal: JournalPoint } | undefined {
    if (!this.#recovered || this.#failure !== undefined || this.#durable !== this.#appended || this.#commitInFlight) return undefined;
    return {
      tradeLog: { bytes: this.#fills.committedSize, lines: this.#fills.committedLines },
      orderJournal: { bytes: this.#orders.committedSize, lines: this.#orders.committedLines },
    };
  }

  recover(handlers: RecoveryHandlers, from?: RecoveryStart): JournalRecovery {
    if (this.#recovered) throw new TradingError(ErrorCode.INTERNAL, 'trade log: recover() may run only once');
    if (this.#closed) throw new TradingError(ErrorCode.INTERNAL, 'trade log: closed');
    this.#recovered = true;
    const seenOrderIds = new Set<string>();
    const noteOrderId = (orderId: string): void => {
      if (seenOrderIds.has(orderId)) return;
      seenOrderIds.add(orderId);
      handlers.onOrderId(orderId);
    };
    // Ids up to the checkpoint's last one are the checkpoint's: such a line past it is a duplicate.
    const checkpointed = from?.lastExecutionNumber ?? 0n;
    let lastExecutionNumber = this.#scavenged.executionNumber > checkpointed ? this.#scavenged.executionNumber : checkpointed;
    for (const orderId of this.#scavenged.orderIds) noteOrderId(orderId);
    // The execution id is a fill's key: a line repeating one counts once (the first).
    const executionIds = new Set<string>();
    let duplicateFills = 0;
    const damaged: { label: string; path: string; corrupt: CorruptLine }[] = [];

    // report lines of fills the trade log lacks are not replayed (unlogged-reports.ts)
    const unlogged = new UnloggedReports(this.#fills.fd, from?.tradeLog.bytes ?? 0, checkpointed, fstatSync(this.#orders.fd).size, this.#log, this.#fills.path);
    const event = createOrderEvent();
    const note = createJournalNote();
    const orderScan = scanJournalLines(
      this.#orders.fd,
      (line, lineNumber, offset) => {
        const kind = parseOrderJournalLine(line, event, note);
        if (kind === undefined) return false;
        if (unlogged.past(kind === 'note' ? note : undefined, offset, lineNumber)) {
          if (kind === 'event') noteOrderId(event.orderId);
          return true;
        }
        if (kind === 'note') {
          handlers.onNote?.(note);
          return true;
        }
        noteOrderId(event.orderId);
        handlers.onOrderEvent(event);
        return true;
      },
      (corrupt) => {
        if (damaged.length < MAX_REPORTED_DAMAGE) damaged.push({ label: this.#orders.label, path: this.#orders.path, corrupt });
        const { orderId } = scavengeIds(corrupt.text);
        if (orderId !== undefined) noteOrderId(orderId);
      },
      from?.orderJournal,
    );

    const fill = createLoggedFill();
    const fillScan = scanJournalLines(
      this.#fills.fd,
      (line, lineNumber) => {
        if (!parseFillLine(line, fill)) return false;
        if (executionIds.has(fill.executionId) || (fill.executionNumber > 0n && fill.executionNumber <= checkpointed)) {
          duplicateFills++;
          if (duplicateFills <= MAX_REPORTED_DAMAGE) {
            this.#log.warn('duplicate execution id: line counted once', { path: this.#fills.path, line: lineNumber, executionId: fill.executionId });
          }
          return true;
        }
        executionIds.add(fill.executionId);
        if (fill.executionNumber > lastExecutionNumber) lastExecutionNumber = fill.executionNumber;
        noteOrderId(fill.orderId);
        handlers.onFill(fill);
        return true;
      },
      (corrupt) => {
        if (damaged.length < MAX_REPORTED_DAMAGE) damaged.push({ label: this.#fills.label, path: this.#fills.path, corrupt });
        // Ids stay unique across a restart even when a line is damaged.
        const ids = scavengeIds(corrupt.text);
        if (ids.executionNumber > lastExecutionNumber) lastExecutionNumber = ids.executionNumber;
        if (ids.orderId !== undefined) noteOrderId(ids.orderId);
      },
      from?.tradeLog,
    );
    refuseDamage(fillScan, orderScan, damaged);
    unlogged.apply(this.#orders.fd, orderScan.bytes, this.#orders.path, this.#orders.path + BAD_LINES_SUFFIX);
    if (unlogged.lastExecutionNumber > lastExecutionNumber) lastExecutionNumber = unlogged.lastExecutionNumber;
    // A torn last line that is not a record is cut off (kept in PATH.bad), so that it never
    // ends up in the middle once we append; a record that only lost its newline gets one.
    for (const [file, scan] of [
      [this.#fills, fillScan],
      [this.#orders, orderScan],
    ] as const) {
      if (file === this.#orders && unlogged.cut !== undefined) continue; // the cut took its tail
      if (scan.tailCorrupt) {
        cutTornTail(file.fd, scan.bytes, scan.tailBytes, file.path + BAD_LINES_SUFFIX);
        this.#log.warn('torn last line cut off', { path: file.path, bytes: scan.tailBytes, movedTo: file.path + BAD_LINES_SUFFIX });
      } else {
        file.needsNewline = scan.tornTail;
      }
    }
    for (const file of [this.#fills, this.#orders]) file.committedSize = fstatSync(file.fd).size;
    this.#fills.committedLines = fillScan.lines - (fillScan.tailCorrupt ? 1 : 0);
    this.#orders.committedLines = unlogged.cut !== undefined ? unlogged.cut.lineNumber - 1 : orderScan.lines - (orderScan.tailCorrupt ? 1 : 0);
    const recovery: JournalRecovery = {
      tradeLog: { path: this.#fills.path, ...fillScan, records: fillScan.records - duplicateFills },
      orderJournal: { path: this.#orders.path, ...orderScan, records: orderScan.records - unlogged.lines, bytes: unlogged.cut?.offset ?? orderScan.bytes },
      lastExecutionNumber,
      orderIds: seenOrderIds.size,
      duplicateFills,
      repairedLines: this.#repairedLines,
      unloggedFillReports: unlogged.reports,
      orderJournalLinesCut: unlogged.lines,
    };
    for (const file of [recovery.tradeLog, recovery.orderJournal]) this.#warnIfDamaged(file);
    this.#log.info('recovered', {
      path: this.path,
      fills: fillScan.records - duplicateFills,
      duplicateFills,
      orderEvents: orderScan.records,
      lastExecution: lastExecutionNumber.toString(),
      orderIds: seenOrderIds.size,
    });
    return recovery;
  }

  append(report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity, bookSequence: number): number {
    this.#checkAppendable();
    // written straight into the staging buffer: no string per fill (fill-line-writer.ts)
    const fills = this.#fills;
    const staging = fills.reserve(fillLineMaxBytes(report, client, liquidity));
    fills.added(writeFillLine(staging, fills.lineStart, report, client, liquidity, bookSequence));
    return this.#appendedOne();
  }

  appendOrderEvent(event: Readonly<OrderEvent>): number {
    this.#checkAppendable();
    this.#orders.add(encodeOrderEventLine(event));
    return this.#appendedOne();
  }

  appendReport(client: string, report: Readonly<ExecutionReport>): number {
    this.#checkAppendable();
    this.#orders.add(encodeReportLine(client, report));
    return this.#appendedOne();
  }

  appendSession(id: string): number {
    this.#checkAppendable();
    this.#orders.add(encodeSessionLine(id));
    return this.#appendedOne();
  }

  readReports(client: string, after: number, upTo: number, onReport: (report: ExecutionReport) => void): number {
    return readReportLines(this.#orders.path, this.#orders.committedSize, client, after, upTo, onReport);
  }

  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#durable >= this.#appended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ position: this.#appended, resolve, reject });
    });
  }

  /** Make everything appended durable, then close both files. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#closeNow();
    return this.#closing;
  }

  async #closeNow(): Promise<void> {
    this.#closed = true; // refuse appends from now on; what was appended still commits
    try {
      await this.flush();
    } finally {
      await Promise.all([this.#fills, this.#orders].map((file) => closeFile(file)));
    }
  }

  #checkAppendable(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new TradingError(ErrorCode.INTERNAL, 'trade log: append after close');
    if (!this.#recovered) throw new TradingError(ErrorCode.INTERNAL, 'trade log: recover() must run before the first append');
  }

  #appendedOne(): number {
    this.#appended++;
    if (!this.#commitScheduled && !this.#commitInFlight) {
      this.#commitScheduled = true;
      queueMicrotask(this.#commitNow);
    }
    return this.#appended;
  }

  // An arrow function so that scheduling it allocates nothing.
  readonly #commitNow = (): void => {
    this.#commitScheduled = false;
    if (this.#commitInFlight || this.#failure !== undefined) return;
    const lines = this.#fills.pendingLines + this.#orders.pendingLines;
    if (lines === 0) return;
    const upTo = this.#appended;
    const fillLines = this.#fills.pendingLines;
    this.#fills.inFlightLines = this.#fills.pendingLines;
    this.#orders.inFlightLines = this.#orders.pendingLines;
    const fillBytes = this.#fills.takePending();
    const orderBytes = this.#orders.takePending();
    this.#fills.inFlightBytes = fillBytes?.length ?? 0;
    this.#orders.inFlightBytes = orderBytes?.length ?? 0;
    if (this.#onCommitUs !== undefined) this.#commitStartMs = performance.now();
    if (lines <= this.#syncCommitMaxLines) {
      this.#commitInline(this.#fills, fillBytes);
      this.#commitInline(this.#orders, orderBytes);
      if (this.#failure === undefined) this.#committed(upTo, lines, fillLines);
      return;
    }
    let outstanding = (fillBytes === undefined ? 0 : 1) + (orderBytes === undefined ? 0 : 1);
    this.#commitInFlight = true;
    const done = (file: JournalFile, error: NodeJS.ErrnoException | null, operation: string): void => {
      if (this.#failure !== undefined) return; // the other file already failed the journal
      if (error !== null) {
        this.#fail(file, operation, error);
        return;
      }
      file.needsNewline = false;
      if (--outstanding > 0) return;
      this.#commitInFlight = false;
      this.#committed(upTo, lines, fillLines);
    };
    if (fillBytes !== undefined) appendDurably(this.#fills.fd, fillBytes, (error, operation) => done(this.#fills, error, operation));
    if (orderBytes !== undefined) appendDurably(this.#orders.fd, orderBytes, (error, operation) => done(this.#orders, error, operation));
  };

  /** Write and sync `bytes` to `file` on this thread (a small commit); a failure fails the journal. */
  #commitInline(file: JournalFile, bytes: Buffer | undefined): void {
    if (bytes === undefined || this.#failure !== undefined) return;
    const failure = appendDurablySync(file.fd, bytes);
    if (failure !== undefined) {
      this.#fail(file, failure.operation, failure.error);
      return;
    }
    file.needsNewline = false;
  }

  /** Everything up to `upTo` is durable. */
  #committed(upTo: number, lines: number, fillLines: number): void {
    this.#durable = upTo;
    if (this.#onCommitUs !== undefined) this.#onCommitUs((performance.now() - this.#commitStartMs) * 1000);
    // one call per file rather than a loop over a new array: a commit per paced order
    committedInFlight(this.#fills);
    committedInFlight(this.#orders);
    this.#stats.commits++;
    this.#stats.linesCommitted += lines;
    this.#stats.fillsCommitted += fillLines;
    if (lines > this.#stats.largestBatch) this.#stats.largestBatch = lines;
    // Start the next batch before telling anyone, so the disk never idles while reports go
    // out; but one small enough to sync on this thread would hold them back for its whole
    // sync: it starts once they are out.
    const pending = this.#fills.pendingLines + this.#orders.pendingLines;
    if (pending > this.#syncCommitMaxLines) this.#commitNow();
    this.#listener.onDurable(upTo);
    this.#resolveWaiters();
    if (pending > 0 && pending <= this.#syncCommitMaxLines) this.#commitNow();
  }

  #resolveWaiters(): void {
    if (this.#waiters.length === 0) return;
    const durable = this.#durable;
    const still: FlushWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.position <= durable) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  /**
   * A write or sync failed: nothing from the failed commit on is durable, and none of its
   * reports will leave. Both files are cut back to the end of the last completed commit,
   * so that after any restart the log holds exactly the fills whose reports were sent
   * (bytes of the failed commit may already sit in the page cache, or even on disk for the
   * file whose sync succeeded).
   */
  #fail(file: JournalFile, operation: string, cause: NodeJS.ErrnoException): void {
    this.#commitInFlight = false;
    const what = describeDiskError(cause);
    const error = new TradingError(
      ErrorCode.TRADE_LOG_UNAVAILABLE,
      `trade log: ${what} (${operation} of ${file.path}); nothing after position ${this.#durable} is durable`,
      { cause },
    );
    this.#failure = error;
    for (const each of [this.#fills, this.#orders]) each.dropPending();
    this.#log.error('failed', { path: file.path, operation, error: cause.code ?? cause.message, problem: what, durable: this.#durable });
    for (const each of [this.#fills, this.#orders]) this.#cutBack(each);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.#listener.onFailure(error);
  }

  #cutBack(file: JournalFile): void {
    file.inFlightBytes = 0;
    file.inFlightLines = 0;
    try {
      ftruncateSync(file.fd, file.committedSize);
      fdatasyncSync(file.fd);
    } catch (err) {
      // Left as it is, the tail past committedSize holds unreported fills; say so loudly.
      this.#log.error('could not cut the file back to its last durable point: fills past it were never reported', {
        path: file.path,
        size: file.committedSize,
        error: describeError(err),
      });
    }
  }

  #warnIfDamaged(file: JournalFileRecovery): void {
    if (file.corruptLines === 0 && !file.tornTail) return;
    this.#log.warn('skipped lines that are not valid records', {
      path: file.path,
      corruptLines: file.corruptLines,
      lines: file.corruptLineNumbers.join(','),
      tornTail: file.tornTail,
    });
  }
}

/** Damaged lines the start error and the logs name, at most. */
const MAX_REPORTED_DAMAGE = 10;

/**
 * A bad line anywhere but the torn tail means the record cannot be trusted as a whole
 * (a disk or a hand that changed it): refuse the start, naming the file and line.
 */
function refuseDamage(fills: ScanResult, orders: ScanResult, damaged: readonly { label: string; path: string; corrupt: CorruptLine }[]): void {
  if (fills.corruptBeforeTail + orders.corruptBeforeTail === 0) return;
  const first = damaged.find((each) => !each.corrupt.tail);
  if (first === undefined) return;
  const lines = damaged
    .filter((each) => !each.corrupt.tail)
    .map((each) => `${each.path}:${each.corrupt.lineNumber}`)
    .join(', ');
  throw new TradingError(
    ErrorCode.TRADE_LOG_CORRUPT,
    `${first.label} ${first.path} line ${first.corrupt.lineNumber}: ${describeCorruptReason(first.corrupt.reason)}; ` +
      `${fills.corruptBeforeTail + orders.corruptBeforeTail} bad line(s) before the end (${lines}). ` +
      `The start is refused: check the file, or start with --repair-trade-log to move the bad lines into a file beside it (PATH${BAD_LINES_SUFFIX})`,
  );
}

function closeFile(file: JournalFile): Promise<void> {
  const fd = file.fd;
  file.fd = -1;
  if (fd < 0) return Promise.resolve();
  return new Promise((resolve) => close(fd, () => resolve()));
}

/** What `file` had in flight is committed. */
function committedInFlight(file: JournalFile): void {
  file.committedSize += file.inFlightBytes;
  file.inFlightBytes = 0;
  file.committedLines += file.inFlightLines;
  file.inFlightLines = 0;
}
