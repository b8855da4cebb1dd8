/**
 * The allocation-free claim of a hot path, measured by the collections it causes. Until the
 * optimising compiler has finished (in the background, later on a busy machine) the
 * interpreter may box numbers and so allocate; the claim is therefore that a steady state
 * exists: some round of `roundSize` calls with no collection at all.
 */
import { PerformanceObserver } from 'node:perf_hooks';

export interface GcRoundsOptions {
  /** Calls before the first round: fill windows, give the compiler work. */
  warmUp?: number;
  roundSize?: number;
  maxRounds?: number;
}

/**
 * Runs `run(warmUp)`, then rounds of `run(roundSize)` until a round sees no collection (or
 * `maxRounds`); returns the collections of each round: the last is 0 when a steady state was reached.
 */
export async function collectionsPerRound(run: (count: number) => void, options: GcRoundsOptions = {}): Promise<number[]> {
  const { warmUp = 50_000, roundSize = 200_000, maxRounds = 10 } = options;
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const perRound: number[] = [];
  try {
    run(warmUp);
    for (let round = 0; round < maxRounds && perRound.at(-1) !== 0; round++) {
      // GC entries reach observers from a timer task: settle before and after a round.
      await new Promise((resolve) => setTimeout(resolve, 10));
      const before = collections;
      run(roundSize);
      await new Promise((resolve) => setTimeout(resolve, 10));
      perRound.push(collections - before);
    }
  } finally {
    observer.disconnect();
  }
  return perRound;
}
