/**
 * The shared-memory book segment: THE single source of its offsets. The writer and every
 * reader import only this file for where things are; change anything here and bump
 * LAYOUT_VERSION, so a reader built against another layout refuses the segment instead
 * of reading garbage.
 *
 * All integers are u32 and all other numbers f64, in the host's byte order (the segment
 * never leaves the host). Every section starts on a 64-byte cache line, so the writer's
 * stores to one symbol never invalidate a line a reader of another symbol is using.
 *
 *  SEGMENT
 *  0        ┌──────────────────────── header line (64 B) ───────────────────────────┐
 *           │  0 magic "IPCB"    4 layout version   8 depth         12 symbol count  │
 *           │ 16 header bytes   20 slot bytes      24 segment bytes 28 writer pid    │
 *           │ 32 writer state   36 feed status     40..63 reserved                   │
 *  64       ├──────────────────────── heartbeat line (64 B) ────────────────────────┤
 *           │  0 heartbeat sequence (seqlock)      8 writer heartbeat, monotonic ns  │
 *  128      ├──────────────────────── symbol table ─────────────────────────────────┤
 *           │ symbol count × 8 B ASCII, NUL-padded, padded to a cache line           │
 *  header   ├──────────────────────── slot 0 ───────────────────────────────────────┤
 *  bytes    │ control line (64 B):  0 latest update count mod 2^32 (stored last)     │
 *           │ copy 0 ┐ each copy (copy bytes, a multiple of 64):                      │
 *           │ copy 1 ┘   0 sequence (odd while written)  4 bid count  8 ask count     │
 *           │           16 update count   24 last price    32 volume  40 timestamp    │
 *           │           48 gateway sequence 56 sent ns                                │
 *           │           64 bid prices [depth]  then bid sizes, ask prices, ask sizes  │
 *           ├──────────────────────── slot 1 … slot count-1 ─────────────────────────┤
 *           └──────────────────────────────────────────────────────────────────────────┘
 *
 * Why two copies per slot: with a single seqlock a writer running flat out keeps the
 * sequence odd so often that readers in other processes starve (measured: 40 thousand
 * good reads in 3 s against 30 million retries). Write n goes to copy n % 2 and then
 * publishes n in the control line; a reader takes the copy of the latest published
 * update (and only while it still holds that update), which the writer will not touch
 * again until it has finished the next write to the other copy. book-reader.ts explains
 * the seqlock itself.
 *
 * Prices are integer price units (core/fixed-point), sizes integer shares, as in L2Book.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { MAX_BOOK_DEPTH } from '../core/book.js';
import { MAX_SYMBOLS } from '../core/symbol-list.js';

/** "IPCB" as the first four bytes of the segment on a little-endian host. */
export const LAYOUT_MAGIC = 0x4243_5049;
/** Bump on any change to this file's offsets or meanings. */
export const LAYOUT_VERSION = 1;
export const CACHE_LINE_BYTES = 64;
export const SYMBOL_BYTES = 8;
export { MAX_BOOK_DEPTH, MAX_SYMBOLS };

// header line, byte offsets from the start of the segment
export const MAGIC_OFFSET = 0;
export const LAYOUT_VERSION_OFFSET = 4;
export const DEPTH_OFFSET = 8;
export const SYMBOL_COUNT_OFFSET = 12;
export const HEADER_BYTES_OFFSET = 16;
export const SLOT_BYTES_OFFSET = 20;
export const SEGMENT_BYTES_OFFSET = 24;
export const WRITER_PID_OFFSET = 28;
export const WRITER_STATE_OFFSET = 32;
export const FEED_STATUS_OFFSET = 36;

// heartbeat line
export const HEARTBEAT_LINE_OFFSET = CACHE_LINE_BYTES;
export const HEARTBEAT_SEQUENCE_OFFSET = HEARTBEAT_LINE_OFFSET + 0;
export const HEARTBEAT_NS_OFFSET = HEARTBEAT_LINE_OFFSET + 8;

// symbol table
export const SYMBOL_TABLE_OFFSET = 2 * CACHE_LINE_BYTES;

// slot: a control line, then two copies
export const SLOT_LATEST_OFFSET = 0;
export const SLOT_CONTROL_BYTES = CACHE_LINE_BYTES;
export const COPIES_PER_SLOT = 2;

// copy, byte offsets from the start of the copy
export const COPY_SEQUENCE_OFFSET = 0;
export const COPY_BID_COUNT_OFFSET = 4;
export const COPY_ASK_COUNT_OFFSET = 8;
export const COPY_UPDATE_COUNT_OFFSET = 16;
export const COPY_LAST_PRICE_OFFSET = 24;
export const COPY_VOLUME_OFFSET = 32;
export const COPY_TIMESTAMP_OFFSET = 40;
export const COPY_GATEWAY_SEQUENCE_OFFSET = 48;
export const COPY_SENT_NS_OFFSET = 56;
export const COPY_LEVELS_OFFSET = 64;

/** Writer state, at WRITER_STATE_OFFSET. 0 means the writer is still initialising. */
export const WriterState = { OPEN: 1, CLOSED: 2 } as const;
/** Feed status, at FEED_STATUS_OFFSET: whether the writer currently receives market data. */
export const FeedStatus = { UNKNOWN: 0, CONNECTED: 1, LOST: 2 } as const;

/** Sizes and offsets derived from (depth, symbol count); computed once per segment. */
export interface BookLayout {
  readonly depth: number;
  readonly symbolCount: number;
  /** Header line + heartbeat line + symbol table, padded: where slot 0 starts. */
  readonly headerBytes: number;
  readonly copyBytes: number;
  readonly slotBytes: number;
  readonly segmentBytes: number;
  /** Offsets of the four level arrays from the start of a copy. */
  readonly bidPricesOffset: number;
  readonly bidSizesOffset: number;
  readonly askPricesOffset: number;
  readonly askSizesOffset: number;
}

export function alignToCacheLine(bytes: number): number {
  return Math.ceil(bytes / CACHE_LINE_BYTES) * CACHE_LINE_BYTES;
}

/** The layout for `depth` levels per side and `symbolCount` symbols. Throws RangeError when out of range. */
export function computeLayout(depth: number, symbolCount: number): BookLayout {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_BOOK_DEPTH) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `depth must be an integer in 1..${MAX_BOOK_DEPTH}, got ${depth}`);
  }
  if (!Number.isInteger(symbolCount) || symbolCount < 1 || symbolCount > MAX_SYMBOLS) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `symbol count must be an integer in 1..${MAX_SYMBOLS}, got ${symbolCount}`);
  }
  const levelBytes = 8 * depth;
  const copyBytes = alignToCacheLine(COPY_LEVELS_OFFSET + 4 * levelBytes);
  const slotBytes = SLOT_CONTROL_BYTES + COPIES_PER_SLOT * copyBytes;
  const headerBytes = alignToCacheLine(SYMBOL_TABLE_OFFSET + SYMBOL_BYTES * symbolCount);
  return {
    depth,
    symbolCount,
    headerBytes,
    copyBytes,
    slotBytes,
    segmentBytes: headerBytes + symbolCount * slotBytes,
    bidPricesOffset: COPY_LEVELS_OFFSET,
    bidSizesOffset: COPY_LEVELS_OFFSET + levelBytes,
    askPricesOffset: COPY_LEVELS_OFFSET + 2 * levelBytes,
    askSizesOffset: COPY_LEVELS_OFFSET + 3 * levelBytes,
  };
}

/** Byte offset of slot `index`. */
export function slotOffset(layout: BookLayout, index: number): number {
  return layout.headerBytes + index * layout.slotBytes;
}

/** Byte offset of copy `copy` (0 or 1) of slot `index`. */
export function copyOffset(layout: BookLayout, index: number, copy: number): number {
  return slotOffset(layout, index) + SLOT_CONTROL_BYTES + copy * layout.copyBytes;
}

/** Byte offset of symbol `index`'s name in the symbol table. */
export function symbolOffset(index: number): number {
  return SYMBOL_TABLE_OFFSET + index * SYMBOL_BYTES;
}

/** Store `symbol` (ASCII, at most SYMBOL_BYTES) NUL-padded into the symbol table. */
export function writeSymbol(bytes: Uint8Array, index: number, symbol: string): void {
  const at = symbolOffset(index);
  for (let i = 0; i < SYMBOL_BYTES; i++) bytes[at + i] = i < symbol.length ? symbol.charCodeAt(i) : 0;
}

/** The symbol stored at `index` of the symbol table (up to the first NUL). */
export function readSymbol(bytes: Uint8Array, index: number): string {
  const at = symbolOffset(index);
  let symbol = '';
  for (let i = 0; i < SYMBOL_BYTES; i++) {
    const code = bytes[at + i];
    if (code === 0) break;
    symbol += String.fromCharCode(code);
  }
  return symbol;
}
