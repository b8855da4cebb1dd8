/**
 * Reconnect delays: exponential backoff with "equal jitter". The n-th retry (attempt 0
 * first) waits between half and all of min(maxDelayMs, minDelayMs * 2^attempt), so a fleet
 * of clients that lost the same server does not come back in lock-step, yet no retry is
 * ever immediate.
 */
export interface BackoffOptions {
  /** Delay scale of the first retry, ms. */
  minDelayMs: number;
  /** Cap on any delay, ms. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 100, maxDelayMs: 5_000 };

/** `random` returns a number in [0, 1) (Math.random by default; tests pass their own). */
export function reconnectDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // 2^30 already exceeds any sane cap; clamping the exponent keeps the product finite.
  const exponential = options.minDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(options.maxDelayMs, exponential);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** A list of problems with the options ([] when valid). */
export function checkBackoff(options: BackoffOptions): string[] {
  const problems: string[] = [];
  if (!Number.isFinite(options.minDelayMs) || options.minDelayMs < 1) {
    problems.push(`reconnect.minDelayMs must be a number ≥ 1, got ${options.minDelayMs}`);
  }
  if (!Number.isFinite(options.maxDelayMs) || options.maxDelayMs < options.minDelayMs) {
    problems.push(`reconnect.maxDelayMs must be a number ≥ minDelayMs (${options.minDelayMs}), got ${options.maxDelayMs}`);
  }
  return problems;
}
