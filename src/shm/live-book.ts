/**
 * The book as a long-lived process sees it: a BookSource over the shared-memory segment
 * NAME that outlives the orderbook process writing it.
 *
 * - The segment may not exist yet: every symbol reads `unknown` until it appears, and the
 *   name is retried (E_SHM_NOT_FOUND, E_SHM_NOT_READY, E_SHM_LAYOUT_MISMATCH alike).
 * - The writer may go away (a clean stop closes the segment; a crash leaves a dead pid)
 *   and a new orderbook may take the name (after an unlink, or with --replace-stale). The
 *   old mapping keeps serving its last books, as `stale`, until a segment with a live
 *   writer is found under the name; then the old mapping is closed and the new one used.
 * - `stale` means what BookReader.isStale(maxAgeMs) means: writer closed or gone, feed
 *   lost, heartbeat older than maxAgeMs.
 *
 * Why a timer: `read` is on the hot path and must not allocate, but every clock Node has
 * allocates when read (process.hrtime.bigint a BigInt, performance.now and Date.now a heap
 * number), and so does looking for a new segment. So the checks that need the clock or a
 * system call (heartbeat age, writer pid, reopening) run every checkIntervalMs on an
 * unref'd timer (the name at most every 100 ms), and `read` combines their verdict with the two flags that need neither
 * and must be seen at once: the writer closed the segment, the feed is lost (two Atomics
 * loads). The heartbeat verdict is therefore up to checkIntervalMs late, on top of
 * maxAgeMs; `refresh()` runs the checks now.
 */
import type { BookSource, BookStatus } from '../core/book-source.js';
import { configError } from '../config/schema.js';
import type { L2Book } from '../core/book.js';
import { monotonicMs, monotonicNs } from '../core/clock.js';
import { ErrorCode, describeError, isTradingError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { BookReader } from './book-reader.js';


export const DEFAULT_LIVE_BOOK_MAX_AGE_MS = 500;
export const DEFAULT_LIVE_BOOK_CHECK_INTERVAL_MS = 20;
/** While there is no usable segment, the name is reopened at most this often (an mmap each). */
const REOPEN_INTERVAL_MS = 100;

export interface LiveBookOptions {
  /** Segment name, e.g. /ipc-trading-book. */
  name: string;
  /** A book whose writer has not beaten for longer than this is stale, ms (default 500). */
  maxAgeMs?: number;
  /** How often the heartbeat, the writer pid and the name are checked, ms (default 20). */
  checkIntervalMs?: number;
  /** Refuse segments of another depth (they count as absent, and are retried). */
  depth?: number;
  log?: Logger;
}

export class LiveBook implements BookSource {
  readonly name: string;
  readonly maxAgeMs: number;
  readonly checkIntervalMs: number;
  readonly #depth: number | undefined;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  #reader: BookReader | undefined;
  /** Heartbeat too old or writer pid gone, as of the last check. */
  #writerSilent = false;
  /** Per symbol: updates published in segments followed before the current one. */
  readonly #updateBase = new Map<string, number>();
  #attachments = 0;
  #lastProblem = '';
  #nextAttemptMs = 0;
  #closed = false;

  constructor(options: LiveBookOptions) {
    this.name = options.name;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_LIVE_BOOK_MAX_AGE_MS;
    this.checkIntervalMs = options.checkIntervalMs ?? DEFAULT_LIVE_BOOK_CHECK_INTERVAL_MS;
    const problems: string[] = [];
    if (!(this.maxAgeMs > 0 && Number.isFinite(this.maxAgeMs))) problems.push(`maxAgeMs must be a positive number, got ${this.maxAgeMs}`);
    if (!(this.checkIntervalMs >= 1 && Number.isFinite(this.checkIntervalMs))) {
      problems.push(`checkIntervalMs must be a number ≥ 1, got ${this.checkIntervalMs}`);
    }
    if (problems.length > 0) throw configError(problems, `LiveBook ${options.name} options`);
    this.#depth = options.depth;
    this.#log = options.log ?? createLogger('live-book');
    this.refresh();
    this.#timer = setInterval(() => this.#check(false), this.checkIntervalMs);
    this.#timer.unref();
  }

  /**
   * Copy `symbol`'s newest book into `out` and say how good it is (core/book-source.ts):
   * `stale` with an empty `out` while no segment is attached (the book is not there yet:
   * whether the symbol will have a slot cannot be known), `unknown` for a symbol the
   * segment has no slot for or never wrote, `stale` for the last book of a writer that
   * cannot be trusted, else `live`. Allocation-free.
   */
  read(symbol: string, out: L2Book): BookStatus {
    const reader = this.#reader;
    if (reader === undefined) {
      out.bidCount = 0;
      out.askCount = 0;
      return 'stale';
    }
    const index = reader.indexOf(symbol);
    if (index < 0 || !reader.read(index, out)) return 'unknown';
    return this.#writerSilent || reader.writerClosed || !reader.feedConnected() ? 'stale' : 'live';
  }

  /**
   * How many snapshots of `symbol` have been published in every segment this LiveBook has
   * followed (0 before the first). It never goes down, so a changed count means a changed
   * book, even across an orderbook restart. Allocation-free.
   */
  updateCount(symbol: string): number {
    const base = this.#updateBase.get(symbol) ?? 0;
    const reader = this.#reader;
    if (reader === undefined) return base;
    const index = reader.indexOf(symbol);
    if (index < 0) return base;
    const count = reader.updateCount(index);
    return count === count ? base + count : base; // NaN: no stable read (never in practice)
  }

  /** Whether the attached segment has a slot for `symbol` (written or not yet). Allocation-free. */
  hasSlot(symbol: string): boolean {
    const reader = this.#reader;
    return reader !== undefined && reader.indexOf(symbol) >= 0;
  }

  /** Whether a segment is mapped (its books may still be stale). */
  get attached(): boolean {
    return this.#reader !== undefined;
  }

  /** How many segments have been attached so far (more than 1: the orderbook was replaced). */
  get attachments(): number {
    return this.#attachments;
  }

  /** The symbols of the attached segment ([] when none). */
  get symbols(): readonly string[] {
    return this.#reader?.symbols ?? [];
  }

  /** The pid of the attached segment's writer (0 when none). */
  get writerPid(): number {
    return this.#reader?.writerPid ?? 0;
  }

  /**
   * Run the periodic checks now: attach the segment if there is none, replace it when its
   * writer is gone and a live one took the name, and re-judge the heartbeat. The timer
   * calls this every checkIntervalMs; tests and callers that must see a change at once
   * may call it too. Never throws.
   */
  refresh(): void {
    this.#check(true);
  }

  #check(force: boolean): void {
    if (this.#closed) return;
    let reader = this.#reader;
    const nowMs = monotonicMs();
    if ((reader === undefined || reader.writerClosed || !reader.writerAlive()) && (force || nowMs >= this.#nextAttemptMs)) {
      this.#nextAttemptMs = nowMs + REOPEN_INTERVAL_MS;
      reader = this.#attach(reader);
    }
    // the flags read() checks itself (closed, feed) are left out: they must clear at once
    this.#writerSilent = reader !== undefined && (!reader.writerAlive() || reader.heartbeatAgeMs(monotonicNs()) > this.maxAgeMs);
  }

  /** Stop checking and unmap. Idempotent; reads say `unknown` afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#reader?.close();
    this.#reader = undefined;
  }

  /** Open the name; adopt what it holds if there is nothing yet or if it has a live writer. */
  #attach(current: BookReader | undefined): BookReader | undefined {
    let candidate: BookReader;
    try {
      candidate = BookReader.open(this.name, this.#depth === undefined ? {} : { depth: this.#depth });
    } catch (err) {
      this.#noteProblem(err);
      return current;
    }
    this.#lastProblem = '';
    if (current !== undefined && (candidate.writerClosed || !candidate.writerAlive())) {
      candidate.close(); // the same dead segment, or another dead one: keep what we have
      return current;
    }
    if (current !== undefined) {
      for (const symbol of current.symbols) {
        const count = current.updateCount(current.indexOf(symbol));
        if (count === count) this.#updateBase.set(symbol, (this.#updateBase.get(symbol) ?? 0) + count);
      }
      current.close();
    }
    this.#reader = candidate;
    this.#attachments++;
    this.#log.info(current === undefined ? 'book segment attached' : 'book segment replaced', {
      name: this.name,
      writerPid: candidate.writerPid,
      symbols: candidate.symbols.length,
      depth: candidate.depth,
    });
    return candidate;
  }

  /** One log line per distinct problem (the name is retried every check). */
  #noteProblem(err: unknown): void {
    const code = isTradingError(err) ? err.code : ErrorCode.INTERNAL;
    if (code === this.#lastProblem) return;
    this.#lastProblem = code;
    if (code === ErrorCode.SHM_NOT_FOUND || code === ErrorCode.SHM_NOT_READY) {
      this.#log.debug('book segment not available yet; retrying', { name: this.name, code });
    } else {
      this.#log.warn('book segment unusable; retrying', { name: this.name, error: describeError(err) });
    }
  }
}
