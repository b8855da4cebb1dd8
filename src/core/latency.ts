/**
 * Latency percentiles from an HdrHistogram (never a bare mean). Values are recorded as
 * integers in the unit the caller chooses (ns for shared memory, µs across processes);
 * recording is allocation-free, so it can sit on a hot path.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencyRecorder {
  readonly #histogram: hdr.Histogram;

  /** highest: the largest value worth telling apart (larger ones are clamped to it). */
  constructor(highest = 60_000_000, significantDigits: 1 | 2 | 3 | 4 | 5 = 3) {
    this.#histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: highest,
      numberOfSignificantValueDigits: significantDigits,
      autoResize: false,
    });
  }

  record(value: number): void {
    const clamped = value < 1 ? 1 : value > this.#histogram.highestTrackableValue ? this.#histogram.highestTrackableValue : value;
    this.#histogram.recordValue(Math.round(clamped));
  }

  /** Record one value that stands for `count` operations (batched timing). */
  recordMany(value: number, count: number): void {
    const clamped = value < 1 ? 1 : value > this.#histogram.highestTrackableValue ? this.#histogram.highestTrackableValue : value;
    this.#histogram.recordValueWithCount(Math.round(clamped), count);
  }

  /**
   * Record a value measured by a closed loop (the next operation waits for this one) as the
   * open-loop stream paced every `expectedInterval` would have seen it: a value longer than
   * the interval also stands for the operations that would have arrived meanwhile and
   * waited (value - interval, value - 2×interval, ... while positive). HdrHistogram's
   * correction for coordinated omission; same unit as the value.
   */
  recordPaced(value: number, expectedInterval: number): void {
    const clamped = value < 1 ? 1 : value > this.#histogram.highestTrackableValue ? this.#histogram.highestTrackableValue : value;
    this.#histogram.recordValueWithExpectedInterval(Math.round(clamped), Math.max(1, Math.round(expectedInterval)));
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  percentile(p: number): number {
    return this.#histogram.getValueAtPercentile(p);
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.#histogram.maxValue,
    };
  }

  reset(): void {
    this.#histogram.reset();
  }
}
