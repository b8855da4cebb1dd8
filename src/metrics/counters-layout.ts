/**
 * The counters segment: THE single source of its offsets (Aeron's CnC file is the model).
 * One segment per component process, named after the system's book segment
 * (`counterSegmentName`), written by that process only and read from outside by anyone
 * (`trading stat`, the supervisor, `/metrics`, the dashboard) without any call into it.
 * Change anything here and bump COUNTERS_LAYOUT_VERSION, so a reader built against another
 * layout refuses the segment instead of reading garbage.
 *
 * Integers are u32 and values f64, in the host's byte order (the segment never leaves the
 * host). Every area starts on a 64-byte cache line.
 *
 *  SEGMENT
 *  0        ┌──────────────────────── header line (64 B) ───────────────────────────┐
 *           │  0 magic "IPCM"     4 layout version   8 metadata offset 12 metadata bytes │
 *           │ 16 values offset   20 value count     24 histograms offset              │
 *           │ 28 histogram count 32 segment bytes   36 writer pid     40 writer state  │
 *           │ 44 starts (writers that attached, 1 = never restarted)                  │
 *           │ 48 last publish, epoch ms (f64)       56 reserved                        │
 *  64       ├──────────────────────── symbols line (64 B) ──────────────────────────┤
 *           │  0 symbol capacity  4 symbols in use (stored after the name)           │
 *           │  8 symbol table offset                12..63 reserved                  │
 *  128      ├──────────────────────── component line (64 B) ────────────────────────┤
 *           │ component name, ASCII, NUL-padded                                       │
 *  192      ├──────────────────────── metadata (metadata bytes, padded) ────────────┤
 *           │ UTF-8 JSON, written once before the writer state turns OPEN:           │
 *           │ { component, metrics: [{ name, kind, unit, help, label?, slot }] }     │
 *           │ slot: the value index (counter, gauge; a labelled metric has symbol    │
 *           │ capacity slots from there, one per label-table entry) or the           │
 *           │ histogram index (histogram); label: 'symbol', 'code' or 'reason'       │
 *  label    ├──────────────────────── label table (capacity × 32 B, padded) ────────┤
 *  table    │ each: 0..30 the label value, ASCII, NUL-padded; 31 the label key       │
 *           │ (LABEL_KEYS index); added as the writer meets them                     │
 *  values   ├──────────────────────── values (value count × 8 B, padded) ───────────┤
 *  offset   │ one f64 per counter or gauge, per symbol where it has one              │
 *  hist.    ├──────────────────────── histograms (histogram count × 256 B) ─────────┤
 *  offset   │ each: 0 sum (in the metric's unit)  8.. HISTOGRAM_BUCKETS counts (f64) │
 *           │ bucket i counts values in (2^(i-1), 2^i] units, bucket 0 values ≤ 1,   │
 *           │ the last bucket every value above the one before it (+Inf)             │
 *           └──────────────────────────────────────────────────────────────────────────┘
 *
 * Why no seqlock: every value is a single aligned 8-byte store by one writer, which x86-64
 * and arm64 make atomic in practice, and a reader wants each value, not a consistent set.
 * A histogram's count is the sum of its buckets (there is no separate count to disagree
 * with them); its sum may lag its buckets by one value for an instant.
 *
 * Why no padding between values: there is one writer per segment, so no two writers share
 * a cache line; readers only read.
 */

/** "IPCM" as the first four bytes of the segment on a little-endian host. */
export const COUNTERS_MAGIC = 0x4d43_5049;
/** Bump on any change to this file's offsets or meanings. */
export const COUNTERS_LAYOUT_VERSION = 2;
export const CACHE_LINE_BYTES = 64;

// header line, byte offsets from the start of the segment
export const MAGIC_OFFSET = 0;
export const LAYOUT_VERSION_OFFSET = 4;
export const METADATA_OFFSET_OFFSET = 8;
export const METADATA_BYTES_OFFSET = 12;
export const VALUES_OFFSET_OFFSET = 16;
export const VALUE_COUNT_OFFSET = 20;
export const HISTOGRAMS_OFFSET_OFFSET = 24;
export const HISTOGRAM_COUNT_OFFSET = 28;
export const SEGMENT_BYTES_OFFSET = 32;
export const WRITER_PID_OFFSET = 36;
export const WRITER_STATE_OFFSET = 40;
export const STARTS_OFFSET = 44;
export const PUBLISHED_MS_OFFSET = 48;

// symbols line
export const SYMBOL_CAPACITY_OFFSET = CACHE_LINE_BYTES + 0;
export const SYMBOL_COUNT_OFFSET = CACHE_LINE_BYTES + 4;
export const SYMBOL_TABLE_OFFSET_OFFSET = CACHE_LINE_BYTES + 8;
/** Bytes per label-table entry: the value (NUL-padded) and, in its last byte, the key. */
export const SYMBOL_ENTRY_BYTES = 32;
/** The label keys a metric can have besides component, by their index in an entry's last byte. */
export const LABEL_KEYS = ['symbol', 'code', 'reason'] as const;
export type LabelKey = (typeof LABEL_KEYS)[number];
/** Symbols a segment has room for, per per-symbol metric. */
export const SYMBOL_CAPACITY = 128;

// component line
export const COMPONENT_OFFSET = 2 * CACHE_LINE_BYTES;
export const COMPONENT_BYTES = CACHE_LINE_BYTES;

// metadata starts after the header lines
export const METADATA_START = 3 * CACHE_LINE_BYTES;
/** The header line and the symbols line as u32s: what writer and readers map as the header. */
export const HEADER_U32S = (2 * CACHE_LINE_BYTES) / 4;

/** Buckets per histogram: ≤1, (1,2], (2,4], … (2^(n-3), 2^(n-2)], and +Inf. */
export const HISTOGRAM_BUCKETS = 30;
/** Bytes per histogram: sum + buckets, padded to whole cache lines. */
export const HISTOGRAM_BYTES = 256;
/** f64 index of the sum inside a histogram; the buckets follow it. */
export const HISTOGRAM_SUM_INDEX = 0;
export const HISTOGRAM_FIRST_BUCKET_INDEX = 1;

/** Writer state, at WRITER_STATE_OFFSET. 0 means the writer is still initialising. */
export const CountersWriterState = { OPEN: 1, CLOSED: 2 } as const;

/** Upper bound (inclusive) of histogram bucket `index`, in the metric's unit; Infinity for the last. */
export function histogramBucketBound(index: number): number {
  return index >= HISTOGRAM_BUCKETS - 1 ? Number.POSITIVE_INFINITY : 2 ** index;
}

/** The bucket a value falls into: allocation-free, for hot paths. */
export function histogramBucketIndex(value: number): number {
  if (!(value > 1)) return 0;
  if (value > 2 ** 30) return HISTOGRAM_BUCKETS - 1;
  // value in (2^(k-1), 2^k] → k, computed on the integer ceiling
  const index = 32 - Math.clz32(Math.ceil(value) - 1);
  return index < HISTOGRAM_BUCKETS - 1 ? index : HISTOGRAM_BUCKETS - 1;
}

export function alignToCacheLine(bytes: number): number {
  return Math.ceil(bytes / CACHE_LINE_BYTES) * CACHE_LINE_BYTES;
}

/** Sizes and offsets for a segment with this much metadata, these many values and histograms. */
export interface CountersLayout {
  readonly metadataBytes: number;
  readonly symbolTableOffset: number;
  readonly symbolCapacity: number;
  readonly valuesOffset: number;
  readonly valueCount: number;
  readonly histogramsOffset: number;
  readonly histogramCount: number;
  readonly segmentBytes: number;
}

export function computeCountersLayout(metadataBytes: number, valueCount: number, histogramCount: number, symbolCapacity = SYMBOL_CAPACITY): CountersLayout {
  const symbolTableOffset = alignToCacheLine(METADATA_START + metadataBytes);
  const valuesOffset = alignToCacheLine(symbolTableOffset + SYMBOL_ENTRY_BYTES * symbolCapacity);
  const histogramsOffset = alignToCacheLine(valuesOffset + 8 * valueCount);
  return {
    metadataBytes,
    symbolTableOffset,
    symbolCapacity,
    valuesOffset,
    valueCount,
    histogramsOffset,
    histogramCount,
    segmentBytes: histogramsOffset + HISTOGRAM_BYTES * Math.max(histogramCount, 0) + CACHE_LINE_BYTES,
  };
}

/**
 * The counters segment of `component` in the system whose book segment is `bookShm`:
 * `/ipc-trading-book` → `/ipc-trading-book.metrics.ordermanager`.
 */
export function counterSegmentName(bookShm: string, component: string): string {
  return `${bookShm}.metrics.${component}`;
}

/** Byte offset of histogram `index`. */
export function histogramOffset(layout: Pick<CountersLayout, 'histogramsOffset'>, index: number): number {
  return layout.histogramsOffset + index * HISTOGRAM_BYTES;
}
