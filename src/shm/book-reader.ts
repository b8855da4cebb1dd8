/**
 * A reader of a shared-memory book segment (any number, in any processes). It validates
 * the segment once at open, then copies a symbol's snapshot into a caller-provided L2Book
 * without allocating, and tells a live book from a stale one.
 *
 * The seqlock, and why it is correct
 * ----------------------------------
 * Each slot has two copies, each with its own sequence (layout.ts). The writer, for its
 * n-th update of a slot, uses copy c = n % 2:
 *
 *   W1  Atomics.store(seq[c], s + 1)      odd: copy c is being written
 *   D   plain stores of every field
 *   W2  Atomics.store(seq[c], s + 2)      even: copy c holds update n, complete
 *   P   Atomics.store(latest, n)          publish
 *
 * and the reader:
 *
 *   L0  n  = Atomics.load(latest);  c = n % 2
 *   L1  s1 = Atomics.load(seq[c])         odd → the writer lapped us: start again
 *   R   plain loads of every field into `out`; the copy's update count must be n
 *   L2  s2 = Atomics.load(seq[c])         s1 === s2 → `out` is update n, whole
 *
 * Atomics operations are sequentially consistent: all of them, in every process, fall in
 * one total order that respects each thread's program order, and an Atomics.load returns
 * the latest Atomics.store to that word in that order. Plain typed-array accesses are not
 * ordered by themselves: the engine and the CPU may move them, except across the Atomics
 * operations around them. Hence the copy must sit between two Atomics loads of the
 * sequence, and the writer's stores between two Atomics stores:
 *
 *  - nothing older: L1 read s1 from W2 (an SC store read by an SC load synchronises), so
 *    every store D before W2 happens-before every load R after L1. R cannot see a value
 *    that D overwrote.
 *  - nothing newer: if some load in R saw a store D' of a later update of copy c, then
 *    D' came after that update's W1' (odd) in the writer's program order, and R came
 *    before L2 in ours, so L2 follows W1' in the total order and reads s1 + 1 or later:
 *    s2 !== s1 and the copy is thrown away. (This step needs R to stay before L2. On
 *    x86-64, which this project targets, it does: V8 does not move a plain typed-array
 *    access across an Atomics operation, x86 never reorders a load with an older load nor a
 *    store with an older store, and an Atomics.store is a locked xchg. The ECMAScript
 *    model on its own, like C++'s, does not order a plain load before a later SC load;
 *    on a weakly ordered CPU such as arm64 the portable form makes L2 and W1 read-modify-
 *    writes (Atomics.add(seq, 0) / Atomics.add(seq, 1)), at the price of readers writing
 *    to the writer's cache line. The cross-process stress test checks it on this host.)
 *  - never backwards: a read returns exactly the update n it loaded from `latest`, not a
 *    newer one it happens to find in copy c (the writer may have finished update n + 2
 *    there and not yet published it; taking it and then, on the next read, the published
 *    n + 1 would move the book back in time). Successive L0 loads of one word never go
 *    backwards, so neither do successive reads. The stress test checks this too.
 *  - no livelock: the writer touches copy c again only after finishing update n + 1 in
 *    the other copy, so a reader that loses the race re-reads `latest` and takes that one.
 *    This is why two copies: with one, a writer running flat out keeps the sequence odd
 *    and starves readers in other processes.
 *  - wrap-around: sequences are u32 and wrap at 2^32, which is even, so parity survives;
 *    s1 === s2 could only be fooled by exactly 2^31 writes to one copy during one read
 *    (minutes of a reader descheduled between L1 and L2). `latest` wraps too; the exact
 *    update count is an f64 inside the copy, compared with `latest` modulo 2^32.
 *  - torn counts: a torn read may hold any bit pattern, so level counts are clamped before
 *    they bound a loop; the values are then discarded anyway.
 *
 * One more caveat, for the record: the segment reaches JavaScript as a plain ArrayBuffer
 * (Node-API cannot wrap foreign memory in a SharedArrayBuffer), which the specification
 * treats as unshared. V8 compiles Atomics on it exactly as on a SharedArrayBuffer (the
 * code path depends on the element type only); that is what the stress test exercises.
 *
 * The header (depth, symbols, pid) is written before the magic, itself an Atomics.store,
 * and validated after an Atomics.load of the magic: the same argument makes it complete.
 * The heartbeat is an f64 under its own small seqlock.
 */
import type { L2Book } from '../core/book.js';
import { MAX_BOOK_DEPTH } from '../core/book.js';
import { monotonicMs, monotonicNs } from '../core/clock.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import {
  COPY_ASK_COUNT_OFFSET,
  COPY_BID_COUNT_OFFSET,
  COPY_GATEWAY_SEQUENCE_OFFSET,
  COPY_LAST_PRICE_OFFSET,
  COPY_SENT_NS_OFFSET,
  COPY_SEQUENCE_OFFSET,
  COPY_TIMESTAMP_OFFSET,
  COPY_UPDATE_COUNT_OFFSET,
  COPY_VOLUME_OFFSET,
  DEPTH_OFFSET,
  FEED_STATUS_OFFSET,
  FeedStatus,
  HEADER_BYTES_OFFSET,
  HEARTBEAT_NS_OFFSET,
  HEARTBEAT_SEQUENCE_OFFSET,
  LAYOUT_MAGIC,
  LAYOUT_VERSION,
  LAYOUT_VERSION_OFFSET,
  MAGIC_OFFSET,
  MAX_SYMBOLS,
  SEGMENT_BYTES_OFFSET,
  SLOT_BYTES_OFFSET,
  SLOT_CONTROL_BYTES,
  SLOT_LATEST_OFFSET,
  SYMBOL_COUNT_OFFSET,
  SYMBOL_TABLE_OFFSET,
  WRITER_PID_OFFSET,
  WRITER_STATE_OFFSET,
  WriterState,
  computeLayout,
  readSymbol,
  slotOffset,
  type BookLayout,
} from './layout.js';
import { closeSegment, openSegment } from './native.js';

export interface BookReaderOptions {
  /** Refuse the segment (E_SHM_LAYOUT_MISMATCH) unless its depth is exactly this. */
  depth?: number;
}

/** A snapshot of the writer's health, for logs and status lines. */
export interface BookHealth {
  writerPid: number;
  writerAlive: boolean;
  writerClosed: boolean;
  feedStatus: 'unknown' | 'connected' | 'lost';
  /** Since the writer's last heartbeat, ms (Infinity if it never beat). */
  heartbeatAgeMs: number;
}

/** Attempts per read before giving up; two copies make more than a handful rare. */
const MAX_READ_ATTEMPTS = 10_000;
/** `latest` in the slot's control line is the update count modulo this (a u32). */
const UPDATE_COUNT_WRAP = 2 ** 32;
/** The writer's pid is checked (a kill(pid, 0) system call) at most this often. */
export const WRITER_PID_CHECK_INTERVAL_MS = 250;

const FEED_STATUS_NAMES = ['unknown', 'connected', 'lost'] as const;

export class BookReader {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly depth: number;
  /** The pid that created the segment. */
  readonly writerPid: number;
  readonly #layout: BookLayout;
  readonly #buffer: ArrayBuffer;
  readonly #words: Uint32Array;
  readonly #numbers: Float64Array;
  readonly #indexBySymbol: Map<string, number>;
  #retries = 0;
  /** Read along by #readStable: a side's level count and the copy's update count. */
  #stableCount = 0;
  #stableUpdateCount = 0;
  #writerAliveCache = true;
  #writerCheckedAtMs = Number.NEGATIVE_INFINITY;
  #closed = false;

  private constructor(name: string, layout: BookLayout, buffer: ArrayBuffer, symbols: readonly string[], writerPid: number) {
    this.name = name;
    this.depth = layout.depth;
    this.symbols = symbols;
    this.writerPid = writerPid;
    this.#layout = layout;
    this.#buffer = buffer;
    this.#words = new Uint32Array(buffer);
    this.#numbers = new Float64Array(buffer);
    this.#indexBySymbol = new Map(symbols.map((symbol, index) => [symbol, index]));
  }

  /**
   * Map the segment `name` and validate it. Errors: E_SHM_NOT_FOUND (no such segment),
   * E_SHM_NOT_READY (its writer is still initialising it: retry), E_SHM_LAYOUT_MISMATCH
   * (not a book segment, another layout version, or another depth than `options.depth`).
   */
  static open(name: string, options: BookReaderOptions = {}): BookReader {
    const buffer = openSegment(name);
    try {
      const { layout, symbols, writerPid } = validateSegment(name, buffer, options);
      return new BookReader(name, layout, buffer, symbols, writerPid);
    } catch (err) {
      closeSegment(buffer);
      throw err;
    }
  }

  /** The slot index of `symbol`, or -1 if the segment has no slot for it. */
  indexOf(symbol: string): number {
    return this.#indexBySymbol.get(symbol) ?? -1;
  }

  /**
   * Copy slot `index`'s latest snapshot into `out` (levels beyond out's capacity are cut).
   * Allocation-free. Returns false when the slot has never been written (out untouched),
   * or, in practice never, when no stable copy was found in MAX_READ_ATTEMPTS (out's
   * contents are then unspecified).
   */
  read(index: number, out: L2Book): boolean {
    this.#checkIndex(index);
    const layout = this.#layout;
    const words = this.#words;
    const numbers = this.#numbers;
    const slot = slotOffset(layout, index);
    const latestWord = (slot + SLOT_LATEST_OFFSET) >>> 2;
    const copies = slot + SLOT_CONTROL_BYTES;
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const latest = Atomics.load(words, latestWord);
      const copy = copies + (latest & 1) * layout.copyBytes;
      const sequenceWord = (copy + COPY_SEQUENCE_OFFSET) >>> 2;
      const before = Atomics.load(words, sequenceWord);
      if ((before & 1) !== 0) {
        this.#retries++;
        continue;
      }
      const updateCount = numbers[(copy + COPY_UPDATE_COUNT_OFFSET) >>> 3];
      if (updateCount % UPDATE_COUNT_WRAP !== latest) {
        this.#retries++; // the copy already holds a newer, unpublished update
        continue;
      }
      if (updateCount === 0) {
        if (Atomics.load(words, sequenceWord) === before) return false; // never written
        this.#retries++;
        continue;
      }
      const bidCount = clampCount(words[(copy + COPY_BID_COUNT_OFFSET) >>> 2], layout.depth, out.bidPrices.length);
      const askCount = clampCount(words[(copy + COPY_ASK_COUNT_OFFSET) >>> 2], layout.depth, out.askPrices.length);
      const bidPrices = (copy + layout.bidPricesOffset) >>> 3;
      const bidSizes = (copy + layout.bidSizesOffset) >>> 3;
      for (let i = 0; i < bidCount; i++) {
        out.bidPrices[i] = numbers[bidPrices + i];
        out.bidSizes[i] = numbers[bidSizes + i];
      }
      const askPrices = (copy + layout.askPricesOffset) >>> 3;
      const askSizes = (copy + layout.askSizesOffset) >>> 3;
      for (let i = 0; i < askCount; i++) {
        out.askPrices[i] = numbers[askPrices + i];
        out.askSizes[i] = numbers[askSizes + i];
      }
      out.bidCount = bidCount;
      out.askCount = askCount;
      out.lastPrice = numbers[(copy + COPY_LAST_PRICE_OFFSET) >>> 3];
      out.volume = numbers[(copy + COPY_VOLUME_OFFSET) >>> 3];
      out.timestamp = numbers[(copy + COPY_TIMESTAMP_OFFSET) >>> 3];
      out.sequence = numbers[(copy + COPY_GATEWAY_SEQUENCE_OFFSET) >>> 3];
      out.sentNs = numbers[(copy + COPY_SENT_NS_OFFSET) >>> 3];
      if (Atomics.load(words, sequenceWord) === before) return true;
      this.#retries++;
    }
    return false;
  }

  /** Best bid of slot `index` in price units; NaN when the side is empty or never written. */
  bestBid(index: number): number {
    return this.#readBest(index, COPY_BID_COUNT_OFFSET, this.#layout.bidPricesOffset);
  }

  /** Best ask of slot `index` in price units; NaN when the side is empty or never written. */
  bestAsk(index: number): number {
    return this.#readBest(index, COPY_ASK_COUNT_OFFSET, this.#layout.askPricesOffset);
  }

  /** How many snapshots the writer has published to slot `index` (0 = none yet; NaN if no stable copy was found). */
  updateCount(index: number): number {
    return this.#readStable(index, COPY_BID_COUNT_OFFSET, COPY_UPDATE_COUNT_OFFSET);
  }

  /** Failed read attempts so far (the writer was mid-write): contention, for benchmarks. */
  get readRetries(): number {
    return this.#retries;
  }

  /** Monotonic ns of the writer's last heartbeat (0 if it never beat). */
  heartbeatNs(): number {
    this.#checkOpen();
    const words = this.#words;
    const sequenceWord = HEARTBEAT_SEQUENCE_OFFSET >>> 2;
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const before = Atomics.load(words, sequenceWord);
      if ((before & 1) !== 0) continue;
      const beatNs = this.#numbers[HEARTBEAT_NS_OFFSET >>> 3];
      if (Atomics.load(words, sequenceWord) === before) return beatNs;
    }
    return 0;
  }

  /** Milliseconds since the writer's last heartbeat (Infinity if it never beat). */
  heartbeatAgeMs(nowNs: number = monotonicNs()): number {
    const beatNs = this.heartbeatNs();
    return beatNs === 0 ? Number.POSITIVE_INFINITY : (nowNs - beatNs) / 1e6;
  }

  /** The writer closed the segment (a clean shutdown). */
  get writerClosed(): boolean {
    this.#checkOpen();
    return Atomics.load(this.#words, WRITER_STATE_OFFSET >>> 2) === WriterState.CLOSED;
  }

  /**
   * Whether the writer's process exists. The pid check is a system call, so its answer is
   * reused for WRITER_PID_CHECK_INTERVAL_MS; once gone, a writer never comes back.
   * (A recycled pid can look alive: the heartbeat age catches that.)
   */
  writerAlive(): boolean {
    if (!this.#writerAliveCache) return false;
    const nowMs = monotonicMs();
    if (nowMs - this.#writerCheckedAtMs >= WRITER_PID_CHECK_INTERVAL_MS) {
      this.#writerCheckedAtMs = nowMs;
      this.#writerAliveCache = processExists(this.writerPid);
    }
    return this.#writerAliveCache;
  }

  /** Whether the writer says market data is flowing (false before it first connects). */
  feedConnected(): boolean {
    this.#checkOpen();
    return Atomics.load(this.#words, FEED_STATUS_OFFSET >>> 2) === FeedStatus.CONNECTED;
  }

  /**
   * True when the book must not be traded on: the writer closed the segment or its process
   * is gone, the feed is not connected, or the last heartbeat is older than `maxAgeMs`.
   * Pass `nowNs` when the caller has already read the clock (reading it allocates a BigInt).
   */
  isStale(maxAgeMs: number, nowNs?: number): boolean {
    return this.writerClosed || !this.feedConnected() || !this.writerAlive() || this.heartbeatAgeMs(nowNs) > maxAgeMs;
  }

  health(): BookHealth {
    const status = Atomics.load(this.#words, FEED_STATUS_OFFSET >>> 2);
    return {
      writerPid: this.writerPid,
      writerAlive: this.writerAlive(),
      writerClosed: this.writerClosed,
      feedStatus: FEED_STATUS_NAMES[status] ?? 'unknown',
      heartbeatAgeMs: this.heartbeatAgeMs(),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Unmap the segment. Idempotent; the reader is unusable afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSegment(this.#buffer);
  }

  #readBest(index: number, countOffset: number, pricesOffset: number): number {
    const price = this.#readStable(index, countOffset, pricesOffset);
    return this.#stableUpdateCount !== 0 && this.#stableCount > 0 ? price : Number.NaN;
  }

  /**
   * One number of slot `index`'s latest stable copy under its seqlock: the f64 at
   * `valueOffset` of the copy, returned, with the u32 at `countOffset` and the copy's
   * update count left in #stableCount and #stableUpdateCount (no allocation). NaN, and an
   * update count of 0, when no stable copy was found in MAX_READ_ATTEMPTS.
   */
  #readStable(index: number, countOffset: number, valueOffset: number): number {
    this.#checkIndex(index);
    const words = this.#words;
    const slot = slotOffset(this.#layout, index);
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const latest = Atomics.load(words, (slot + SLOT_LATEST_OFFSET) >>> 2);
      const copy = slot + SLOT_CONTROL_BYTES + (latest & 1) * this.#layout.copyBytes;
      const sequenceWord = (copy + COPY_SEQUENCE_OFFSET) >>> 2;
      const before = Atomics.load(words, sequenceWord);
      if ((before & 1) !== 0) {
        this.#retries++;
        continue;
      }
      const count = words[(copy + countOffset) >>> 2];
      const value = this.#numbers[(copy + valueOffset) >>> 3];
      const updateCount = this.#numbers[(copy + COPY_UPDATE_COUNT_OFFSET) >>> 3];
      if (updateCount % UPDATE_COUNT_WRAP === latest && Atomics.load(words, sequenceWord) === before) {
        this.#stableCount = count;
        this.#stableUpdateCount = updateCount;
        return value;
      }
      this.#retries++;
    }
    this.#stableCount = 0;
    this.#stableUpdateCount = 0;
    return Number.NaN;
  }

  #checkIndex(index: number): void {
    this.#checkOpen();
    if (!(index >= 0 && index < this.symbols.length && (index | 0) === index)) {
      throw new TradingError(ErrorCode.INTERNAL, `book segment ${this.name}: no slot ${index} (0..${this.symbols.length - 1})`);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new TradingError(ErrorCode.SHM_INVALID, `book segment ${this.name}: reader is closed`);
  }
}

function clampCount(count: number, depth: number, capacity: number): number {
  const levels = count < depth ? count : depth;
  return levels < capacity ? levels : capacity;
}

/** kill(pid, 0): ESRCH means gone; EPERM means it exists under another user. */
function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // 0 or -1 would signal a process group
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function mismatch(name: string, detail: string): TradingError {
  return new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `book segment ${name}: ${detail}`);
}

function validateSegment(
  name: string,
  buffer: ArrayBuffer,
  options: BookReaderOptions,
): { layout: BookLayout; symbols: readonly string[]; writerPid: number } {
  if (buffer.byteLength < SYMBOL_TABLE_OFFSET || buffer.byteLength % 8 !== 0) {
    throw mismatch(name, `${buffer.byteLength} bytes is not the size of a book segment`);
  }
  const words = new Uint32Array(buffer);
  const magic = Atomics.load(words, MAGIC_OFFSET >>> 2);
  if (magic === 0) {
    throw new TradingError(ErrorCode.SHM_NOT_READY, `book segment ${name}: its writer has not finished initialising it`);
  }
  if (magic !== LAYOUT_MAGIC) {
    throw mismatch(name, `not a book segment (magic 0x${magic.toString(16)}, expected 0x${LAYOUT_MAGIC.toString(16)})`);
  }
  const version = words[LAYOUT_VERSION_OFFSET >>> 2];
  if (version !== LAYOUT_VERSION) {
    throw mismatch(name, `layout version ${version}, but this build reads version ${LAYOUT_VERSION}`);
  }
  const depth = words[DEPTH_OFFSET >>> 2];
  const symbolCount = words[SYMBOL_COUNT_OFFSET >>> 2];
  if (depth < 1 || depth > MAX_BOOK_DEPTH || symbolCount < 1 || symbolCount > MAX_SYMBOLS) {
    throw mismatch(name, `corrupt header (depth ${depth}, ${symbolCount} symbols)`);
  }
  if (options.depth !== undefined && depth !== options.depth) {
    throw mismatch(name, `depth ${depth}, but ${options.depth} was expected`);
  }
  const layout = computeLayout(depth, symbolCount);
  const headerBytes = words[HEADER_BYTES_OFFSET >>> 2];
  const slotBytes = words[SLOT_BYTES_OFFSET >>> 2];
  const segmentBytes = words[SEGMENT_BYTES_OFFSET >>> 2];
  if (headerBytes !== layout.headerBytes || slotBytes !== layout.slotBytes || segmentBytes !== layout.segmentBytes) {
    throw mismatch(
      name,
      `header says ${headerBytes}/${slotBytes}/${segmentBytes} header/slot/segment bytes, ` +
        `the layout gives ${layout.headerBytes}/${layout.slotBytes}/${layout.segmentBytes}`,
    );
  }
  if (buffer.byteLength < layout.segmentBytes) {
    throw mismatch(name, `segment is ${buffer.byteLength} bytes, its header needs ${layout.segmentBytes}`);
  }
  const bytes = new Uint8Array(buffer);
  const symbols: string[] = [];
  for (let i = 0; i < symbolCount; i++) {
    const symbol = readSymbol(bytes, i);
    if (!SYMBOL_PATTERN.test(symbol)) throw mismatch(name, `corrupt symbol table (entry ${i} is ${JSON.stringify(symbol)})`);
    symbols.push(symbol);
  }
  return { layout, symbols: Object.freeze(symbols), writerPid: words[WRITER_PID_OFFSET >>> 2] };
}
