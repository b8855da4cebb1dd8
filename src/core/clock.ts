/**
 * Clocks. `monotonicNs()` reads CLOCK_MONOTONIC (process.hrtime), which every process of
 * one host shares, so a stamp taken in the gateway can be compared with one taken in the
 * order manager. It is a float64 of nanoseconds: exact to the nanosecond for 104 days of
 * uptime and to 2 ns for twice that, which is ample for latency measurement.
 */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/** Wall-clock epoch seconds with sub-millisecond fraction, as the seed's `timestamp`. */
export function epochSeconds(): number {
  return Date.now() / 1000;
}

/** Monotonic milliseconds, for timeouts and heartbeats (not shared across hosts). */
export function monotonicMs(): number {
  return performance.now();
}
