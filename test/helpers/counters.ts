/** A component's counters by name, read from its counters segment as `trading stat` does ({} while it has none). */
import { counterSegmentName, tryOpenCounters, type ComponentName } from '../../src/metrics/index.js';

export function readComponentCounters(shm: string, component: ComponentName): Record<string, number> {
  const reader = tryOpenCounters(counterSegmentName(shm, component));
  if (reader === undefined) return {};
  try {
    return Object.fromEntries(reader.snapshot().counters.map((sample) => [sample.name, sample.value]));
  } finally {
    reader.close();
  }
}
