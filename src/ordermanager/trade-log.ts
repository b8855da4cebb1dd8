/**
 * The trade log: one JSON line per fill (trade-log-line.ts), durable before anyone is
 * told about the fill.
 *
 * Group commit. `append` only queues the line. The first append after an idle period
 * schedules a commit as a microtask, so every fill produced by the same burst of input
 * (all the orders decoded from one TCP chunk) goes into one write + fdatasync. While a
 * commit is in flight, appends accumulate and become the next commit the moment it ends.
 * One fdatasync costs about the same for 1 line as for 500, so under load batches grow
 * and throughput follows the disk's sync rate × batch size, while an isolated fill waits
 * only for its own sync.
 *
 * Failure. If a write or fdatasync fails, nothing in or after that batch may be reported
 * as durable (after a failed fsync the kernel may have dropped the dirty pages), so the
 * log fails for good: the listener hears it once, flush() rejects, append throws, and the
 * process should stop and let its supervisor restart it, which recovers from what is on disk.
 *
 * Recovery (`recover`, once, before the first append) streams the file in chunks, replays
 * every valid line, counts, logs and skips torn or corrupt ones, and remembers whether the
 * file ended mid-line so that the next append starts on a fresh line.
 */
import { close, closeSync, fdatasync, fstatSync, fsyncSync, openSync, readSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, TradingError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import type { ExecutionReport } from '../protocol/messages.js';
import type { FillJournal, FillJournalListener, Liquidity, LoggedFill, TradeLogRecovery } from './fill-journal.js';
import { createLoggedFill, encodeFillLine, parseFillLine, scavengeIds } from './trade-log-line.js';

const READ_CHUNK_BYTES = 1024 * 1024;
/** A "line" longer than this is corruption (ours are ~400 bytes); it is skipped, not buffered. */
const MAX_LINE_BYTES = 64 * 1024;
const MAX_REPORTED_LINE_NUMBERS = 10;
const NEWLINE = 0x0a;

export interface TradeLogOptions {
  logger?: Logger;
  /** File mode when the log is created (default 0o640). */
  mode?: number;
}

export interface TradeLogStats {
  /** Commits (write + fdatasync) completed. */
  commits: number;
  /** Lines made durable. */
  linesCommitted: number;
  /** Largest number of lines in one commit. */
  largestBatch: number;
}

interface FlushWaiter {
  position: number;
  resolve: () => void;
  reject: (error: TradingError) => void;
}

/**
 * fdatasync makes a file's data durable but not its directory entry: without this, a log
 * created just before a crash could vanish with every fill in it.
 */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TradingError(ErrorCode.TRADE_LOG_UNWRITABLE, `cannot sync the trade log's directory ${directory} (${reason})`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const NO_LISTENER: FillJournalListener = { onDurable: () => undefined, onFailure: () => undefined };

export class TradeLog implements FillJournal {
  readonly path: string;
  readonly #log: Logger;
  #fd: number;
  #listener: FillJournalListener = NO_LISTENER;
  #recovered = false;
  #closed = false;
  #failure: TradingError | undefined;
  /** The file ends mid-line: the next write starts with a newline. */
  #needsNewline = false;
  #pending = '';
  #pendingLines = 0;
  #appended = 0;
  #durable = 0;
  #commitScheduled = false;
  #commitInFlight = false;
  #waiters: FlushWaiter[] = [];
  #closing: Promise<void> | undefined;
  readonly #stats: TradeLogStats = { commits: 0, linesCommitted: 0, largestBatch: 0 };

  private constructor(path: string, fd: number, log: Logger) {
    this.path = path;
    this.#fd = fd;
    this.#log = log;
  }

  /**
   * Open (creating if needed) the log for reading and appending. Throws
   * E_TRADE_LOG_UNWRITABLE when that is impossible (missing directory, no permission,
   * a directory, a read-only file system).
   */
  static open(path: string, options: TradeLogOptions = {}): TradeLog {
    const log = options.logger ?? createLogger('trade-log');
    let fd: number;
    try {
      fd = openSync(path, 'a+', options.mode ?? 0o640);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new TradingError(ErrorCode.TRADE_LOG_UNWRITABLE, `cannot open trade log ${path} for appending (${reason})`, { cause: err });
    }
    try {
      if (!fstatSync(fd).isFile()) {
        throw new TradingError(ErrorCode.TRADE_LOG_UNWRITABLE, `trade log ${path} is not a regular file`);
      }
      syncDirectory(dirname(path));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new TradeLog(path, fd, log);
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

  setListener(listener: FillJournalListener): void {
    this.#listener = listener;
  }

  recover(onFill: (fill: Readonly<LoggedFill>) => void, onOrderId: (orderId: string) => void): TradeLogRecovery {
    if (this.#recovered) throw new Error('trade log: recover() may run only once');
    if (this.#closed) throw new Error('trade log: closed');
    this.#recovered = true;
    const summary: TradeLogRecovery = {
      fills: 0,
      corruptLines: 0,
      corruptLineNumbers: [],
      tornTail: false,
      lastExecutionNumber: 0,
      orderIds: 0,
      bytes: 0,
    };
    const fill = createLoggedFill();
    const seenOrderIds = new Set<string>();
    let lineNumber = 0;
    const noteOrderId = (orderId: string): void => {
      if (seenOrderIds.has(orderId)) return;
      seenOrderIds.add(orderId);
      onOrderId(orderId);
    };
    const skip = (line: string): void => {
      summary.corruptLines++;
      if (summary.corruptLineNumbers.length < MAX_REPORTED_LINE_NUMBERS) summary.corruptLineNumbers.push(lineNumber);
      const ids = scavengeIds(line);
      if (ids.executionNumber > summary.lastExecutionNumber) summary.lastExecutionNumber = ids.executionNumber;
      if (ids.orderId !== undefined) noteOrderId(ids.orderId);
    };
    const handleLine = (bytes: Buffer, start: number, end: number): void => {
      lineNumber++;
      if (end === start) return; // an empty line is nothing, not corruption
      const line = bytes.toString('utf8', start, end);
      if (!parseFillLine(line, fill)) {
        skip(line);
        return;
      }
      summary.fills++;
      if (fill.executionNumber > summary.lastExecutionNumber) summary.lastExecutionNumber = fill.executionNumber;
      noteOrderId(fill.orderId);
      onFill(fill);
    };

    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let carry = Buffer.alloc(0); // the unfinished line from previous chunks
    let oversized = false; // inside a line already longer than MAX_LINE_BYTES
    let position = 0;
    let lastByte = NEWLINE;
    for (;;) {
      const read = readSync(this.#fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      position += read;
      lastByte = chunk[read - 1] as number;
      let start = 0;
      for (let newline = chunk.indexOf(NEWLINE, 0); newline !== -1 && newline < read; newline = chunk.indexOf(NEWLINE, start)) {
        if (oversized) {
          lineNumber++;
          skip('');
          oversized = false;
        } else if (carry.length > 0) {
          const whole = Buffer.concat([carry, chunk.subarray(start, newline)]);
          carry = Buffer.alloc(0);
          handleLine(whole, 0, whole.length);
        } else {
          handleLine(chunk, start, newline);
        }
        start = newline + 1;
      }
      if (start < read && !oversized) {
        carry = Buffer.concat([carry, chunk.subarray(start, read)]);
        if (carry.length > MAX_LINE_BYTES) {
          oversized = true;
          carry = Buffer.alloc(0);
        }
      }
    }
    summary.bytes = position;
    if (oversized) {
      lineNumber++;
      skip('');
    } else if (carry.length > 0) {
      handleLine(carry, 0, carry.length);
    }
    summary.tornTail = lastByte !== NEWLINE;
    this.#needsNewline = summary.tornTail;
    summary.orderIds = seenOrderIds.size;
    if (summary.corruptLines > 0 || summary.tornTail) {
      this.#log.warn('skipped lines that are not valid fills', {
        path: this.path,
        corruptLines: summary.corruptLines,
        lines: summary.corruptLineNumbers.join(','),
        tornTail: summary.tornTail,
      });
    }
    this.#log.info('recovered', { path: this.path, fills: summary.fills, lastExecution: summary.lastExecutionNumber, bytes: summary.bytes });
    return summary;
  }

  append(report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity, bookSequence: number): number {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new Error('trade log: append after close');
    if (!this.#recovered) throw new Error('trade log: recover() must run before the first append');
    this.#pending += encodeFillLine(report, client, liquidity, bookSequence);
    this.#pendingLines++;
    this.#appended++;
    if (!this.#commitScheduled && !this.#commitInFlight) {
      this.#commitScheduled = true;
      queueMicrotask(this.#commitNow);
    }
    return this.#appended;
  }

  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#durable >= this.#appended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ position: this.#appended, resolve, reject });
    });
  }

  /** Make everything appended durable, then close the file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#closeNow();
    return this.#closing;
  }

  async #closeNow(): Promise<void> {
    this.#closed = true; // refuse appends from now on; what was appended still commits
    try {
      await this.flush();
    } finally {
      const fd = this.#fd;
      this.#fd = -1;
      if (fd >= 0) await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
  }

  // An arrow function so that scheduling it allocates nothing.
  readonly #commitNow = (): void => {
    this.#commitScheduled = false;
    if (this.#commitInFlight || this.#pendingLines === 0 || this.#failure !== undefined) return;
    const text = this.#needsNewline ? '\n' + this.#pending : this.#pending;
    const bytes = Buffer.from(text, 'utf8');
    const lines = this.#pendingLines;
    const upTo = this.#appended;
    this.#pending = '';
    this.#pendingLines = 0;
    this.#commitInFlight = true;
    this.#writeAll(bytes, 0, (writeError) => {
      if (writeError !== null) {
        this.#fail('write', writeError);
        return;
      }
      this.#needsNewline = false;
      fdatasync(this.#fd, (syncError) => {
        if (syncError !== null) {
          this.#fail('fdatasync', syncError);
          return;
        }
        this.#commitInFlight = false;
        this.#durable = upTo;
        this.#stats.commits++;
        this.#stats.linesCommitted += lines;
        if (lines > this.#stats.largestBatch) this.#stats.largestBatch = lines;
        // Start the next batch before telling anyone, so the disk never idles while reports go out.
        if (this.#pendingLines > 0) this.#commitNow();
        this.#listener.onDurable(upTo);
        this.#resolveWaiters();
      });
    });
  };

  #writeAll(bytes: Buffer, offset: number, done: (error: NodeJS.ErrnoException | null) => void): void {
    write(this.#fd, bytes, offset, bytes.length - offset, null, (error, written) => {
      if (error !== null) done(error);
      else if (offset + written < bytes.length) this.#writeAll(bytes, offset + written, done);
      else done(null);
    });
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

  #fail(operation: string, cause: NodeJS.ErrnoException): void {
    this.#commitInFlight = false;
    const error = new TradingError(
      ErrorCode.TRADE_LOG_UNWRITABLE,
      `trade log ${this.path}: ${operation} failed (${cause.code ?? cause.message}); fills after position ${this.#durable} are not durable`,
      { cause },
    );
    this.#failure = error;
    this.#pending = '';
    this.#pendingLines = 0;
    this.#log.error('failed', { path: this.path, operation, error: cause.code ?? cause.message, durable: this.#durable });
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.#listener.onFailure(error);
  }
}
