/**
 * Shared-memory names for the processes a benchmark starts. A component started alone
 * keeps its counters in a segment named after its --shm, so every component a benchmark
 * spawns gets a name of its own: without one, the default system's name (npm start's)
 * was shared by every gateway the benchmarks started, and one killed after its stop
 * timeout left its counters segment in /dev/shm.
 */
import { counterSegmentName } from '../metrics/index.js';
import { unlinkSegment } from '../shm/native.js';

/** A --shm name no other run or benchmark uses: `/ipct-<tag>-<pid>-<n>`. */
export function benchShmName(tag: string): string {
  return `/ipct-${tag}-${process.pid}-${(nextName++).toString(36)}`;
}
let nextName = 0;

/** Remove a segment if it is still there (its owner was killed, or never unlinked it). */
export function unlinkQuietly(name: string): void {
  try {
    unlinkSegment(name);
  } catch {
    // already gone (unlinked by its owner, or never created)
  }
}

/** Remove what a component started with --shm `shm` may have left: its counters segment. */
export function removeComponentSegments(shm: string, component: string): void {
  unlinkQuietly(counterSegmentName(shm, component));
}
