/**
 * Clocks. `monotonicNs()` reads CLOCK_MONOTONIC (process.hrtime), which every process of
 * one host shares, so a stamp taken in the gateway can be compared with one taken in the
 * order manager. It is a float64 of nanoseconds: exact to the nanosecond for 104 days of
 * uptime and to 2 ns for twice that, which is ample for latency measurement.
 */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * performance.now() reads the same CLOCK_MONOTONIC, in ms since this process started; this
 * offset puts it on monotonicNs()'s scale. A stamp on a hot path (every socket read) then
 * allocates nothing, where process.hrtime.bigint() allocates a BigInt.
 */
const PERFORMANCE_ORIGIN_NS = performanceOriginNs();

function performanceOriginNs(): number {
  performance.now(); // the first call initialises the clock and takes milliseconds
  let best = Infinity;
  let origin = 0;
  for (let i = 0; i < 8; i++) {
    const before = Number(process.hrtime.bigint());
    const now = performance.now() * 1e6;
    const after = Number(process.hrtime.bigint());
    if (after - before < best) {
      best = after - before;
      origin = (before + after) / 2 - now;
    }
  }
  return origin;
}

/** monotonicNs() without an allocation, to within a microsecond of it. */
export function monotonicNsFromPerformance(): number {
  return PERFORMANCE_ORIGIN_NS + performance.now() * 1e6;
}

/** Wall-clock epoch seconds with sub-millisecond fraction, as the seed's `timestamp`. */
export function epochSeconds(): number {
  return Date.now() / 1000;
}

/** Monotonic milliseconds, for timeouts and heartbeats (not shared across hosts). */
export function monotonicMs(): number {
  return performance.now();
}
