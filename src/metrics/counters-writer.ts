/**
 * The writing side of a component's counters segment (counters-layout.ts draws it).
 *
 * `MetricsWriter.open` creates the segment (0600), or re-attaches to the one a previous
 * process of the same component left when that process is gone: the counters then go on
 * from where it stopped, so a restart never makes a total go back. A live writer's segment
 * is never touched (E_SHM_EXISTS).
 *
 * Updating a value is a plain Float64Array store: no syscall, no allocation. Histogram
 * handles (`histogram(name).record(v)`) are for hot paths; `set`/`add` by name look the
 * slot up in a Map and suit the publish callback, which runs off the hot path every
 * `publishIntervalMs` and copies the component's own fields in.
 *
 * close() publishes once more, marks the segment CLOSED and removes it, unless a supervisor
 * owns it (TRADING_COUNTERS_KEPT_BY_SUPERVISOR=1 and the IPC channel still up): the
 * supervisor then reads the final values for its summary and removes it itself.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { closeSegment, createSegment, openSegment, ShmError, unlinkSegment } from '../shm/native.js';
import {
  COMPONENT_BYTES,
  COMPONENT_OFFSET,
  COUNTERS_LAYOUT_VERSION,
  COUNTERS_MAGIC,
  CountersWriterState,
  HEADER_U32S,
  HISTOGRAM_FIRST_BUCKET_INDEX,
  HISTOGRAM_COUNT_OFFSET,
  HISTOGRAM_SUM_INDEX,
  HISTOGRAMS_OFFSET_OFFSET,
  LAYOUT_VERSION_OFFSET,
  MAGIC_OFFSET,
  METADATA_BYTES_OFFSET,
  METADATA_OFFSET_OFFSET,
  METADATA_START,
  PUBLISHED_MS_OFFSET,
  SEGMENT_BYTES_OFFSET,
  STARTS_OFFSET,
  SYMBOL_CAPACITY,
  SYMBOL_CAPACITY_OFFSET,
  SYMBOL_COUNT_OFFSET,
  SYMBOL_ENTRY_BYTES,
  LABEL_KEYS,
  type LabelKey,
  SYMBOL_TABLE_OFFSET_OFFSET,
  VALUE_COUNT_OFFSET,
  VALUES_OFFSET_OFFSET,
  WRITER_PID_OFFSET,
  WRITER_STATE_OFFSET,
  computeCountersLayout,
  counterSegmentName,
  histogramBucketIndex,
  histogramOffset,
  type CountersLayout,
} from './counters-layout.js';
import { METRICS, PROCESS_METRICS, type MetricName, type MetricSpec } from './registry.js';

/** One metric as the segment's metadata describes it. */
export interface MetricDescriptor {
  name: string;
  kind: 'counter' | 'gauge' | 'histogram';
  unit: string;
  help: string;
  /** Value index (counter, gauge) or histogram index (histogram); a per-symbol metric's first slot. */
  slot: number;
  /** One value per label-table entry with this key, from slot on. */
  label?: LabelKey;
}

export interface CountersMetadata {
  component: string;
  metrics: MetricDescriptor[];
}

/** The environment flag a supervisor sets for its children: it removes their segments itself. */
export const KEPT_BY_SUPERVISOR_ENV = 'TRADING_COUNTERS_KEPT_BY_SUPERVISOR';

export interface MetricsWriterOptions<N extends MetricName> {
  component: string;
  /** The system's book segment name; the counters segment is named after it. */
  shm: string;
  metrics: readonly N[];
  /** Copies the component's fields into the segment; called every publishIntervalMs and at close. */
  publish?: (writer: MetricsWriter<N>) => void;
  /** Default 250 ms; 0 = only at close and publishNow(). */
  publishIntervalMs?: number;
}

/** Records values into one histogram of a counters segment: plain stores, for hot paths. */
export class HistogramRecorder {
  readonly #values: Float64Array;
  readonly #base: number;

  constructor(values: Float64Array, base: number) {
    this.#values = values;
    this.#base = base;
  }

  record(value: number): void {
    const values = this.#values;
    values[this.#base + HISTOGRAM_FIRST_BUCKET_INDEX + histogramBucketIndex(value)]! += 1;
    values[this.#base + HISTOGRAM_SUM_INDEX]! += value;
  }
}

/** Whether a process with this pid exists (EPERM: it does, it is someone else's). */
export function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function metadataFor(component: string, names: readonly MetricName[]): CountersMetadata {
  const metrics: MetricDescriptor[] = [];
  let values = 0;
  let histograms = 0;
  for (const name of names) {
    const spec = METRICS[name];
    const label: MetricSpec['label'] = 'label' in spec ? spec.label : undefined;
    const slot = spec.kind === 'histogram' ? histograms++ : values;
    if (spec.kind !== 'histogram') values += label !== undefined ? SYMBOL_CAPACITY : 1;
    metrics.push({ name, kind: spec.kind, unit: spec.unit, help: spec.help, slot, ...(label !== undefined ? { label } : {}) });
  }
  return { component, metrics };
}

function countSlots(metadata: CountersMetadata): { values: number; histograms: number } {
  let values = 0;
  let histograms = 0;
  for (const metric of metadata.metrics) {
    if (metric.kind === 'histogram') histograms = Math.max(histograms, metric.slot + 1);
    else values = Math.max(values, metric.slot + (metric.label !== undefined ? SYMBOL_CAPACITY : 1));
  }
  return { values, histograms };
}

export class MetricsWriter<N extends MetricName> {
  readonly name: string;
  readonly component: string;
  readonly #buffer: ArrayBuffer;
  readonly #header: Uint32Array;
  readonly #headerF64: Float64Array;
  /** The values area, then the histograms, as one f64 array (indexes from the values offset). */
  readonly #values: Float64Array;
  readonly #slots = new Map<string, number>();
  /** Per value slot: what a previous process of this component had counted (restartBase counters). */
  readonly #bases: Float64Array;
  readonly #histogramBase = new Map<string, number>();
  readonly #bytes: Uint8Array;
  readonly #symbolTableOffset: number;
  /** `key=value` → its index in the label table. */
  readonly #symbols = new Map<string, number>();
  readonly #labelKeys = new Map<string, LabelKey>();
  readonly #publish: ((writer: MetricsWriter<N>) => void) | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #reattached: boolean;
  #closed = false;

  private constructor(name: string, component: string, buffer: ArrayBuffer, layout: CountersLayout, metadata: CountersMetadata, reattached: boolean, options: MetricsWriterOptions<N>) {
    this.name = name;
    this.component = component;
    this.#buffer = buffer;
    this.#header = new Uint32Array(buffer, 0, HEADER_U32S);
    this.#headerF64 = new Float64Array(buffer, 0, 8);
    this.#values = new Float64Array(buffer, layout.valuesOffset, (layout.segmentBytes - layout.valuesOffset) / 8);
    this.#bases = new Float64Array(layout.valueCount);
    this.#bytes = new Uint8Array(buffer);
    this.#symbolTableOffset = layout.symbolTableOffset;
    this.#reattached = reattached;
    for (const metric of metadata.metrics) {
      if (metric.kind === 'histogram') {
        this.#histogramBase.set(metric.name, (histogramOffset(layout, metric.slot) - layout.valuesOffset) / 8);
      } else {
        this.#slots.set(metric.name, metric.slot);
        if (metric.label !== undefined) this.#labelKeys.set(metric.name, metric.label);
        const spec: MetricSpec = METRICS[metric.name as MetricName];
        if (reattached && spec.kind === 'counter' && spec.restartBase !== false) {
          const end = metric.slot + (metric.label !== undefined ? SYMBOL_CAPACITY : 1);
          for (let slot = metric.slot; slot < end; slot++) this.#bases[slot] = this.#values[slot] ?? 0;
        }
      }
    }
    if (reattached) {
      const count = Math.min(this.#header[SYMBOL_COUNT_OFFSET / 4] ?? 0, SYMBOL_CAPACITY);
      for (let i = 0; i < count; i++) {
        const entry = readLabelEntry(this.#bytes, layout.symbolTableOffset, i);
        this.#symbols.set(`${entry.key}=${entry.value}`, i);
      }
    }
    this.#publish = options.publish;
    const every = options.publishIntervalMs ?? 250;
    if (every > 0) {
      this.#timer = setInterval(() => this.publishNow(), every);
      this.#timer.unref();
    }
  }

  /** Create the component's segment, or re-attach to the one its previous process left. */
  static open<N extends MetricName>(options: MetricsWriterOptions<N>): MetricsWriter<N> {
    const name = counterSegmentName(options.shm, options.component);
    const names = [...new Set<MetricName>([...PROCESS_METRICS, ...options.metrics])];
    const metadata = metadataFor(options.component, names);
    const json = JSON.stringify(metadata);
    const jsonBytes = new TextEncoder().encode(json);
    const slots = countSlots(metadata);
    const layout = computeCountersLayout(jsonBytes.length, slots.values, slots.histograms);

    const existing = MetricsWriter.#reattach(name, json, jsonBytes.length, layout);
    if (existing !== undefined) {
      const header = new Uint32Array(existing, 0, HEADER_U32S);
      header[WRITER_PID_OFFSET / 4] = process.pid;
      header[STARTS_OFFSET / 4] = (header[STARTS_OFFSET / 4] ?? 0) + 1;
      const writer = new MetricsWriter<N>(name, options.component, existing, layout, metadata, true, options);
      Atomics.store(header, WRITER_STATE_OFFSET / 4, CountersWriterState.OPEN);
      return writer;
    }
    const buffer = createSegment(name, layout.segmentBytes);
    const header = new Uint32Array(buffer, 0, HEADER_U32S);
    header[MAGIC_OFFSET / 4] = COUNTERS_MAGIC;
    header[LAYOUT_VERSION_OFFSET / 4] = COUNTERS_LAYOUT_VERSION;
    header[METADATA_OFFSET_OFFSET / 4] = METADATA_START;
    header[METADATA_BYTES_OFFSET / 4] = jsonBytes.length;
    header[VALUES_OFFSET_OFFSET / 4] = layout.valuesOffset;
    header[VALUE_COUNT_OFFSET / 4] = layout.valueCount;
    header[HISTOGRAMS_OFFSET_OFFSET / 4] = layout.histogramsOffset;
    header[HISTOGRAM_COUNT_OFFSET / 4] = layout.histogramCount;
    header[SEGMENT_BYTES_OFFSET / 4] = layout.segmentBytes;
    header[SYMBOL_CAPACITY_OFFSET / 4] = layout.symbolCapacity;
    header[SYMBOL_TABLE_OFFSET_OFFSET / 4] = layout.symbolTableOffset;
    header[WRITER_PID_OFFSET / 4] = process.pid;
    header[STARTS_OFFSET / 4] = 1;
    const bytes = new Uint8Array(buffer);
    for (let i = 0; i < COMPONENT_BYTES - 1 && i < options.component.length; i++) bytes[COMPONENT_OFFSET + i] = options.component.charCodeAt(i) & 0x7f;
    bytes.set(jsonBytes, METADATA_START);
    const writer = new MetricsWriter<N>(name, options.component, buffer, layout, metadata, false, options);
    // the state is stored last: a reader that sees OPEN sees everything above
    Atomics.store(header, WRITER_STATE_OFFSET / 4, CountersWriterState.OPEN);
    return writer;
  }

  /**
   * open(), except that a segment held by another live process is not an error: counters are
   * for watching, and a second instance of a component (two gateways on one host without
   * --shm, say) must still run. It runs without counters, and `warn` says so.
   */
  static openOrWarn<N extends MetricName>(options: MetricsWriterOptions<N>, warn: (message: string, fields: Record<string, string>) => void): MetricsWriter<N> | undefined {
    try {
      return MetricsWriter.open(options);
    } catch (err) {
      if (!(err instanceof TradingError && err.code === ErrorCode.SHM_EXISTS)) throw err;
      warn('no counters for this process: another one publishes under this name (give each its own --shm)', {
        segment: counterSegmentName(options.shm, options.component),
        error: err.message,
      });
      return undefined;
    }
  }

  /**
   * The segment a previous process of this component left, mapped, when it has the same
   * metadata and its writer is gone; undefined when there is none (a different layout is
   * removed). E_SHM_EXISTS when its writer is still alive.
   */
  static #reattach(name: string, json: string, jsonBytes: number, layout: CountersLayout): ArrayBuffer | undefined {
    let buffer: ArrayBuffer;
    try {
      buffer = openSegment(name);
    } catch (err) {
      if (err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND) return undefined;
      throw err;
    }
    const header = new Uint32Array(buffer, 0, Math.min(HEADER_U32S, buffer.byteLength >> 2));
    const pid = header[WRITER_PID_OFFSET / 4] ?? 0;
    const state = Atomics.load(header, WRITER_STATE_OFFSET / 4);
    if (state === CountersWriterState.OPEN && pid !== process.pid && processAlive(pid)) {
      closeSegment(buffer);
      throw new TradingError(ErrorCode.SHM_EXISTS, `counters segment ${name} belongs to a running process (pid ${pid}): is this component already running with this --shm?`);
    }
    const sameLayout =
      buffer.byteLength === layout.segmentBytes &&
      header[MAGIC_OFFSET / 4] === COUNTERS_MAGIC &&
      header[LAYOUT_VERSION_OFFSET / 4] === COUNTERS_LAYOUT_VERSION &&
      header[METADATA_BYTES_OFFSET / 4] === jsonBytes &&
      new TextDecoder().decode(new Uint8Array(buffer, METADATA_START, jsonBytes)) === json;
    if (sameLayout) return buffer;
    // another layout (an older build, another registry): start afresh
    closeSegment(buffer);
    try {
      unlinkSegment(name);
    } catch (err) {
      if (!(err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND)) throw err;
    }
    return undefined;
  }

  /** Whether this process continued the counters of a previous one. */
  get reattached(): boolean {
    return this.#reattached;
  }

  /** Times a process of this component attached to the segment (1 = never restarted). */
  get starts(): number {
    return this.#header[STARTS_OFFSET / 4] ?? 0;
  }

  /** A gauge's value; a counter's count in this process (a restart adds what came before). */
  set(name: N, value: number): void {
    const slot = this.#slots.get(name);
    if (slot === undefined || this.#closed) return;
    this.#values[slot] = (this.#bases[slot] ?? 0) + value;
  }

  /**
   * A labelled metric's value for one label value: a symbol, or an error code (a new one
   * takes the next label-table entry; past SYMBOL_CAPACITY entries the value is dropped).
   * A counter's value is this process's count, as with set(). Off the hot path: Map lookups.
   */
  setLabelled(name: N, labelValue: string, value: number): void {
    const slot = this.#slots.get(name);
    const key = this.#labelKeys.get(name);
    if (slot === undefined || key === undefined || this.#closed) return;
    const mapKey = `${key}=${labelValue}`;
    let index = this.#symbols.get(mapKey);
    if (index === undefined) {
      index = this.#symbols.size;
      if (index >= SYMBOL_CAPACITY) return;
      writeLabelEntry(this.#bytes, this.#symbolTableOffset, index, key, labelValue);
      this.#symbols.set(mapKey, index);
      // the count is stored after the name: a reader that sees the entry sees its name
      Atomics.store(this.#header, SYMBOL_COUNT_OFFSET / 4, index + 1);
    }
    this.#values[slot + index] = (this.#bases[slot + index] ?? 0) + value;
  }

  add(name: N, delta: number): void {
    const slot = this.#slots.get(name);
    if (slot === undefined || this.#closed) return;
    this.#values[slot]! += delta;
  }

  /** The current value (what readers see). */
  get(name: N): number {
    const slot = this.#slots.get(name);
    return slot === undefined || this.#closed ? 0 : (this.#values[slot] ?? 0);
  }

  /** A recorder for histogram `name`: keep it, and call record() on the hot path. */
  histogram(name: N): HistogramRecorder {
    const base = this.#histogramBase.get(name);
    if (base === undefined) throw new TradingError(ErrorCode.INTERNAL, `${name} is not a histogram of ${this.component}'s counters`);
    return new HistogramRecorder(this.#values, base);
  }

  /** Run the publish callback and the process metrics now. */
  publishNow(): void {
    if (this.#closed) return;
    const cpu = process.cpuUsage();
    this.set('process_cpu_seconds' as N, (cpu.user + cpu.system) / 1e6);
    this.set('process_resident_memory_bytes' as N, process.memoryUsage.rss());
    this.set('component_starts' as N, this.starts);
    this.#publish?.(this);
    this.#headerF64[PUBLISHED_MS_OFFSET / 8] = Date.now();
  }

  /** Publish once more, mark the segment closed and unmap it; removed unless a supervisor keeps it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.publishNow();
    this.#closed = true;
    Atomics.store(this.#header, WRITER_STATE_OFFSET / 4, CountersWriterState.CLOSED);
    closeSegment(this.#buffer);
    const kept = process.env[KEPT_BY_SUPERVISOR_ENV] === '1' && process.connected === true;
    if (!kept) {
      try {
        unlinkSegment(this.name);
      } catch (err) {
        if (!(err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND)) throw err;
      }
    }
  }
}

function writeLabelEntry(bytes: Uint8Array, tableOffset: number, index: number, key: LabelKey, value: string): void {
  const at = tableOffset + index * SYMBOL_ENTRY_BYTES;
  for (let i = 0; i < SYMBOL_ENTRY_BYTES - 1; i++) bytes[at + i] = i < value.length ? value.charCodeAt(i) & 0x7f : 0;
  bytes[at + SYMBOL_ENTRY_BYTES - 1] = LABEL_KEYS.indexOf(key);
}

/** Label-table entry `index`: its key and its value (up to the first NUL). */
export function readLabelEntry(bytes: Uint8Array, tableOffset: number, index: number): { key: LabelKey; value: string } {
  const at = tableOffset + index * SYMBOL_ENTRY_BYTES;
  let value = '';
  for (let i = 0; i < SYMBOL_ENTRY_BYTES - 1; i++) {
    const code = bytes[at + i] ?? 0;
    if (code === 0) break;
    value += String.fromCharCode(code);
  }
  return { key: LABEL_KEYS[bytes[at + SYMBOL_ENTRY_BYTES - 1] ?? 0] ?? 'symbol', value };
}
