/**
 * The single writer of a shared-memory book segment (the orderbook process owns one).
 * It creates the segment, publishes each symbol's L2 snapshot under a seqlock, and keeps
 * the header's heartbeat and feed status current so readers can tell a live book from a
 * stale one. Offsets come from layout.ts only; why the seqlock is correct is explained in
 * book-reader.ts, next to the reader's half of it.
 *
 * write() is the hot path: it allocates nothing and makes three Atomics stores.
 * Call heartbeat() on a timer (every 100 ms or so): write() does not read the clock.
 */
import type { L2Book } from '../core/book.js';
import { DEFAULT_BOOK_DEPTH } from '../core/book.js';
import { monotonicNs } from '../core/clock.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import { BookReader } from './book-reader.js';
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
  SEGMENT_BYTES_OFFSET,
  SLOT_BYTES_OFFSET,
  SLOT_CONTROL_BYTES,
  SLOT_LATEST_OFFSET,
  SYMBOL_COUNT_OFFSET,
  WRITER_PID_OFFSET,
  WRITER_STATE_OFFSET,
  WriterState,
  computeLayout,
  slotOffset,
  writeSymbol,
  type BookLayout,
} from './layout.js';
import { ShmError, closeSegment, createSegment, unlinkSegment } from './native.js';

export interface BookWriterOptions {
  /** Segment name: '/' then 1..254 bytes without '/'. */
  name: string;
  /** The symbols, one slot each, in index order (SYMBOL_PATTERN, no duplicates). */
  symbols: readonly string[];
  /** Levels per side (default DEFAULT_BOOK_DEPTH). Deeper books are cut to this on write. */
  depth?: number;
  /**
   * When the name is taken by a segment whose writer is gone (closed, or its process
   * dead), unlink it and create a fresh one. A segment that is live, not initialised or
   * not ours is never touched: that still fails with E_SHM_EXISTS. Default false.
   */
  replaceStale?: boolean;
}

export class BookWriter {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly depth: number;
  readonly #layout: BookLayout;
  readonly #buffer: ArrayBuffer;
  readonly #words: Uint32Array;
  readonly #numbers: Float64Array;
  /** Per slot: the number of writes so far (exact to 2^53; the segment keeps it mod 2^32 too). */
  readonly #updateCounts: Float64Array;
  readonly #indexBySymbol: Map<string, number>;
  #closed = false;
  #unlinked = false;

  private constructor(name: string, symbols: readonly string[], layout: BookLayout, buffer: ArrayBuffer) {
    this.name = name;
    this.symbols = symbols;
    this.depth = layout.depth;
    this.#layout = layout;
    this.#buffer = buffer;
    this.#words = new Uint32Array(buffer);
    this.#numbers = new Float64Array(buffer);
    this.#updateCounts = new Float64Array(symbols.length);
    this.#indexBySymbol = new Map(symbols.map((symbol, index) => [symbol, index]));
  }

  /**
   * Create the segment (owner-only, 0600) and initialise its header. Readers that open it
   * before the header is complete get E_SHM_NOT_READY: the magic is stored last.
   */
  static create(options: BookWriterOptions): BookWriter {
    const depth = options.depth ?? DEFAULT_BOOK_DEPTH;
    const symbols = validateSymbols(options.symbols);
    let layout: BookLayout;
    try {
      layout = computeLayout(depth, symbols.length);
    } catch (err) {
      throw new TradingError(ErrorCode.SHM_INVALID, `book segment ${options.name}: ${(err as Error).message}`);
    }
    let buffer: ArrayBuffer;
    try {
      buffer = createSegment(options.name, layout.segmentBytes);
    } catch (err) {
      if (!(options.replaceStale === true && err instanceof ShmError && err.code === ErrorCode.SHM_EXISTS && removeIfStale(options.name))) {
        throw err;
      }
      buffer = createSegment(options.name, layout.segmentBytes);
    }
    const writer = new BookWriter(options.name, symbols, layout, buffer);
    writer.#initialiseHeader();
    return writer;
  }

  #initialiseHeader(): void {
    const words = this.#words;
    const layout = this.#layout;
    words[LAYOUT_VERSION_OFFSET >>> 2] = LAYOUT_VERSION;
    words[DEPTH_OFFSET >>> 2] = layout.depth;
    words[SYMBOL_COUNT_OFFSET >>> 2] = layout.symbolCount;
    words[HEADER_BYTES_OFFSET >>> 2] = layout.headerBytes;
    words[SLOT_BYTES_OFFSET >>> 2] = layout.slotBytes;
    words[SEGMENT_BYTES_OFFSET >>> 2] = layout.segmentBytes;
    words[WRITER_PID_OFFSET >>> 2] = process.pid;
    words[FEED_STATUS_OFFSET >>> 2] = FeedStatus.UNKNOWN;
    const bytes = new Uint8Array(this.#buffer);
    this.symbols.forEach((symbol, index) => writeSymbol(bytes, index, symbol));
    this.heartbeat();
    Atomics.store(words, WRITER_STATE_OFFSET >>> 2, WriterState.OPEN);
    // Last, and sequentially consistent: a reader that sees the magic sees all of the above.
    Atomics.store(words, MAGIC_OFFSET >>> 2, LAYOUT_MAGIC);
  }

  /** The slot index of `symbol`, or -1 if the segment has no slot for it. */
  indexOf(symbol: string): number {
    return this.#indexBySymbol.get(symbol) ?? -1;
  }

  /** How many snapshots were written to slot `index` by this writer. */
  updateCount(index: number): number {
    this.#checkIndex(index);
    return this.#updateCounts[index];
  }

  /**
   * Publish `book` as slot `index`'s snapshot. Levels beyond the segment's depth are cut.
   * Allocation-free. Throws only on a programming error (bad index, writer closed).
   */
  write(index: number, book: L2Book): void {
    this.#checkIndex(index);
    const layout = this.#layout;
    const words = this.#words;
    const numbers = this.#numbers;
    const count = this.#updateCounts[index] + 1;
    this.#updateCounts[index] = count;
    const slot = slotOffset(layout, index);
    // Write n goes to copy n % 2; the previous write's copy stays intact for readers.
    const copy = slot + SLOT_CONTROL_BYTES + (count % 2) * layout.copyBytes;
    const sequenceWord = (copy + COPY_SEQUENCE_OFFSET) >>> 2;
    const sequence = words[sequenceWord]; // only this process writes it
    // Seqlock, writer half: odd (SC store) → plain stores → even (SC store). Sequences
    // wrap at 2^32, which is even, so parity survives the wrap.
    Atomics.store(words, sequenceWord, (sequence + 1) >>> 0);

    const bidCount = levelCount(book.bidCount, layout.depth, book.bidPrices.length);
    const askCount = levelCount(book.askCount, layout.depth, book.askPrices.length);
    words[(copy + COPY_BID_COUNT_OFFSET) >>> 2] = bidCount;
    words[(copy + COPY_ASK_COUNT_OFFSET) >>> 2] = askCount;
    numbers[(copy + COPY_UPDATE_COUNT_OFFSET) >>> 3] = count;
    numbers[(copy + COPY_LAST_PRICE_OFFSET) >>> 3] = book.lastPrice;
    numbers[(copy + COPY_VOLUME_OFFSET) >>> 3] = book.volume;
    numbers[(copy + COPY_TIMESTAMP_OFFSET) >>> 3] = book.timestamp;
    numbers[(copy + COPY_GATEWAY_SEQUENCE_OFFSET) >>> 3] = book.sequence;
    numbers[(copy + COPY_SENT_NS_OFFSET) >>> 3] = book.sentNs;
    const bidPrices = (copy + layout.bidPricesOffset) >>> 3;
    const bidSizes = (copy + layout.bidSizesOffset) >>> 3;
    for (let i = 0; i < bidCount; i++) {
      numbers[bidPrices + i] = book.bidPrices[i];
      numbers[bidSizes + i] = book.bidSizes[i];
    }
    const askPrices = (copy + layout.askPricesOffset) >>> 3;
    const askSizes = (copy + layout.askSizesOffset) >>> 3;
    for (let i = 0; i < askCount; i++) {
      numbers[askPrices + i] = book.askPrices[i];
      numbers[askSizes + i] = book.askSizes[i];
    }

    Atomics.store(words, sequenceWord, (sequence + 2) >>> 0);
    // Publish: readers go to the copy of the latest update (count mod 2^32 keeps parity).
    Atomics.store(words, (slot + SLOT_LATEST_OFFSET) >>> 2, count >>> 0);
  }

  /** Stamp the writer heartbeat (monotonic ns, shared by every process of the host). */
  heartbeat(nowNs: number = monotonicNs()): void {
    this.#checkOpen();
    const words = this.#words;
    const sequenceWord = HEARTBEAT_SEQUENCE_OFFSET >>> 2;
    const sequence = words[sequenceWord];
    Atomics.store(words, sequenceWord, (sequence + 1) >>> 0);
    this.#numbers[HEARTBEAT_NS_OFFSET >>> 3] = nowNs;
    Atomics.store(words, sequenceWord, (sequence + 2) >>> 0);
  }

  /** Tell readers whether market data is flowing; a reader treats a lost feed as stale. */
  setFeedConnected(connected: boolean): void {
    this.#checkOpen();
    Atomics.store(this.#words, FEED_STATUS_OFFSET >>> 2, connected ? FeedStatus.CONNECTED : FeedStatus.LOST);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Mark the segment closed (readers see the writer gone at once) and unmap it. The name
   * stays until unlink(). Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#words, WRITER_STATE_OFFSET >>> 2, WriterState.CLOSED);
    closeSegment(this.#buffer);
  }

  /** Remove the segment's name (readers keep their mapping until they close). Idempotent. */
  unlink(): void {
    if (this.#unlinked) return;
    this.#unlinked = true;
    try {
      unlinkSegment(this.name);
    } catch (err) {
      if (!(err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND)) throw err;
    }
  }

  #checkIndex(index: number): void {
    if (this.#closed) throw new TradingError(ErrorCode.SHM_INVALID, `book segment ${this.name}: writer is closed`);
    if (!(index >= 0 && index < this.symbols.length && (index | 0) === index)) {
      throw new TradingError(ErrorCode.INTERNAL, `book segment ${this.name}: no slot ${index} (0..${this.symbols.length - 1})`);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new TradingError(ErrorCode.SHM_INVALID, `book segment ${this.name}: writer is closed`);
  }
}

/** A book's level count cut to what both the segment and the book's arrays hold (0 for nonsense). */
function levelCount(count: number, depth: number, capacity: number): number {
  let levels = count | 0;
  if (levels > depth) levels = depth;
  if (levels > capacity) levels = capacity;
  return levels > 0 ? levels : 0;
}

function validateSymbols(symbols: readonly string[]): readonly string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol)) problems.push(`invalid symbol ${JSON.stringify(symbol)}`);
    else if (seen.has(symbol)) problems.push(`duplicate symbol ${symbol}`);
    seen.add(symbol);
  }
  if (symbols.length === 0) problems.push('no symbols');
  if (problems.length > 0) throw new TradingError(ErrorCode.SHM_INVALID, `book segment symbols: ${problems.join('; ')}`);
  return Object.freeze([...symbols]);
}

/** Unlink `name` if it is a book segment whose writer is closed or dead. True if removed. */
function removeIfStale(name: string): boolean {
  let reader: BookReader;
  try {
    reader = BookReader.open(name);
  } catch (err) {
    // Gone meanwhile: the name is free. Not initialised or not ours: leave it to its owner.
    return err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND;
  }
  try {
    if (!reader.writerClosed && reader.writerAlive()) return false;
  } finally {
    reader.close();
  }
  try {
    unlinkSegment(name);
  } catch (err) {
    if (!(err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND)) throw err;
  }
  return true;
}
