/** What `trading stat` prints: the table a person reads and the JSON a program reads. */
import { formatCount, formatMicros, histogramQuantile, labelValue, sampleKey, textTable, type ComponentSnapshot } from '../metrics/index.js';

/** A component's counters and gauges by name (`name.SYMBOL` or `name.CODE` for a labelled one). */
export function componentCounterValues(snapshot: ComponentSnapshot): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of snapshot.counters) values.set(sampleKey(sample), sample.value);
  return values;
}

export interface StatJson {
  shm: string;
  /** When the segments were read, ISO 8601. */
  at: string;
  components: {
    component: string;
    segment: string;
    pid: number;
    alive: boolean;
    state: string;
    starts: number;
    publishedAt: string | null;
    counters: Record<string, number>;
    kinds: Record<string, 'counter' | 'gauge'>;
    histograms: Record<string, { unit: string; count: number; sum: number; p50: number; p99: number; buckets: { le: number | null; count: number }[] }>;
  }[];
}

export function statJson(shm: string, snapshots: readonly ComponentSnapshot[]): StatJson {
  return {
    shm,
    at: new Date().toISOString(),
    components: snapshots.map((snapshot) => {
      const kinds: Record<string, 'counter' | 'gauge'> = {};
      for (const sample of snapshot.counters) kinds[sample.name] = sample.kind;
      return {
        component: snapshot.component,
        segment: snapshot.segment,
        pid: snapshot.pid,
        alive: snapshot.alive,
        state: snapshot.state,
        starts: snapshot.starts,
        publishedAt: snapshot.publishedMs > 0 ? new Date(snapshot.publishedMs).toISOString() : null,
        counters: Object.fromEntries(componentCounterValues(snapshot)),
        kinds,
        histograms: Object.fromEntries(
          snapshot.histograms.map((h) => [
            h.name,
            {
              unit: h.unit,
              count: h.count,
              sum: h.sum,
              p50: Math.round(histogramQuantile(h, 0.5)),
              p99: Math.round(histogramQuantile(h, 0.99)),
              buckets: h.bounds.map((le, i) => ({ le: Number.isFinite(le) ? le : null, count: h.counts[i] ?? 0 })),
            },
          ]),
        ),
      };
    }),
  };
}

/**
 * One block per component: a line saying whether it is up, then its non-zero counters and
 * gauges with a rate per second against the previous read, then its histograms.
 */
export function statTable(
  shm: string,
  snapshots: readonly ComponentSnapshot[],
  previous: { seconds: number; values: Map<string, Map<string, number>> } | undefined,
): string {
  const rows: string[][] = [];
  for (const snapshot of snapshots) {
    const status = snapshot.alive ? `up, pid ${snapshot.pid}` : snapshot.state === 'closed' ? 'stopped' : `gone (pid ${snapshot.pid})`;
    const restarts = Math.max(0, snapshot.starts - 1);
    rows.push([`${snapshot.component} (${status}${restarts > 0 ? `, ${restarts} restart${restarts > 1 ? 's' : ''}` : ''})`, '', '', '']);
    const before = previous?.values.get(snapshot.component);
    for (const sample of snapshot.counters) {
      if (sample.value === 0) continue;
      const key = sampleKey(sample);
      const label = labelValue(sample);
      const earlier = before?.get(key);
      const rate = sample.kind === 'counter' && earlier !== undefined && previous !== undefined && previous.seconds > 0 ? formatCount(Math.round(((sample.value - earlier) / previous.seconds) * 100) / 100) : '';
      rows.push([`  ${label === undefined ? sample.name : `${sample.name}{${label}}`}`, formatCount(Math.round(sample.value * 100) / 100), rate, sample.unit]);
    }
    for (const histogram of snapshot.histograms) {
      if (histogram.count === 0) continue;
      rows.push([
        `  ${histogram.name}`,
        formatCount(histogram.count),
        '',
        `p50 ${formatMicros(histogramQuantile(histogram, 0.5))}  p99 ${formatMicros(histogramQuantile(histogram, 0.99))}`,
      ]);
    }
  }
  return `counters of ${shm} at ${new Date().toISOString()}\n\n${textTable(['component / metric', 'value', 'per s', 'unit'], rows)}`;
}
