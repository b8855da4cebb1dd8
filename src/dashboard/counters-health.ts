/**
 * Health from the counters segments (src/metrics): what `trading dashboard` shows on its own,
 * and what the supervisor's source is made of. Each component's segment says its pid,
 * whether its writer is alive, how many processes attached (restarts), when it last
 * published, its counters and its latency histograms; this turns one snapshot into the
 * dashboard's ComponentSample (flat counter names, rejects by code, histograms trimmed to
 * their occupied buckets).
 */
import { histogramQuantile, readSystemCounters, type ComponentSnapshot, type HistogramSample } from '../metrics/index.js';
import type { ComponentSample, HealthSource, LatencyHistogram, ProcessState } from './health.js';

/** Bucket bounds shown at most: the occupied range, widened to this many buckets. */
const MIN_BUCKETS_SHOWN = 8;

function latencyHistogram(histogram: HistogramSample): LatencyHistogram {
  let first = histogram.counts.findIndex((count) => count > 0);
  let last = histogram.counts.length - 1;
  while (last > 0 && (histogram.counts[last] ?? 0) === 0) last -= 1;
  if (first < 0) first = 0;
  while (last - first + 1 < MIN_BUCKETS_SHOWN && (first > 0 || last < histogram.counts.length - 1)) {
    if (first > 0) first -= 1;
    if (last - first + 1 < MIN_BUCKETS_SHOWN && last < histogram.counts.length - 1) last += 1;
  }
  const upperUs: number[] = [];
  for (let i = first; i <= last; i++) {
    const bound = histogram.bounds[i] ?? Number.POSITIVE_INFINITY;
    // JSON has no Infinity: the overflow bucket is shown as twice the last finite bound
    upperUs.push(Number.isFinite(bound) ? bound : 2 * (histogram.bounds[i - 1] ?? 1));
  }
  return {
    upperUs,
    counts: histogram.counts.slice(first, last + 1),
    count: histogram.count,
    p50Us: Math.round(histogramQuantile(histogram, 0.5)),
    p99Us: Math.round(histogramQuantile(histogram, 0.99)),
  };
}

/** A snapshot's counters and histograms as the dashboard names them. */
export function samplePartsOf(snapshot: ComponentSnapshot, nowMs: number, nowEpochMs: number): Pick<ComponentSample, 'counters' | 'histograms' | 'countersAtMs'> {
  const counters: Record<string, number> = {};
  for (const sample of snapshot.counters) {
    if (sample.labels.code !== undefined) counters[`rejects.${sample.labels.code}`] = sample.value;
    else if (sample.labels.symbol === undefined) counters[sample.name] = sample.value;
  }
  const histograms: Record<string, LatencyHistogram> = {};
  for (const histogram of snapshot.histograms) histograms[histogram.name] = latencyHistogram(histogram);
  // the segment stamps its publications in epoch ms; the dashboard compares monotonic ms
  const countersAtMs = snapshot.publishedMs === 0 ? undefined : nowMs - (nowEpochMs - snapshot.publishedMs);
  return { counters, histograms, countersAtMs };
}

function stateOf(snapshot: ComponentSnapshot): ProcessState {
  if (snapshot.alive) return 'running';
  return snapshot.state === 'initialising' ? 'starting' : 'exited';
}

/** Every component of the system whose book segment is `bookShm`, read from its counters segment. */
export function countersHealthSource(bookShm: string): HealthSource {
  return {
    label: 'counters segments',
    sample(): ComponentSample[] {
      const nowMs = performance.now();
      const nowEpochMs = Date.now();
      return readSystemCounters(bookShm).map((snapshot) => ({
        name: snapshot.component,
        state: stateOf(snapshot),
        pid: snapshot.pid > 0 ? snapshot.pid : undefined,
        starts: snapshot.starts,
        ...samplePartsOf(snapshot, nowMs, nowEpochMs),
      }));
    },
  };
}
