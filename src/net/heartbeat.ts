/**
 * Liveness for one connection, as pure logic the endpoints drive from a timer:
 *
 * - idle send: nothing was written for `intervalMs` → send a heartbeat frame;
 * - peer timeout: nothing arrived for `timeoutMs` → the peer is dead (E_PEER_TIMEOUT).
 *
 * The hot path only sets a flag (`noteSent` / `noteReceived`); the timer turns flags into
 * times. Times are therefore accurate to one check period, which `heartbeatCheckPeriodMs`
 * keeps at a quarter of the shortest interval: a dead peer is declared after between
 * `timeoutMs` and 1.25 × `timeoutMs`. An interval under 5 ms (--keep-warm-ms, whose
 * heartbeats are there to keep the path warm) is checked every interval: a heartbeat then
 * goes after one to two intervals of silence.
 */
export interface HeartbeatOptions {
  /** Send a heartbeat after this long without sending anything, ms; 0 = never send. */
  intervalMs: number;
  /** Declare the peer dead after this long without receiving anything, ms; 0 = never. */
  timeoutMs: number;
}

export type HeartbeatAction = 'none' | 'send' | 'timeout';

/** Shortest sensible timer period for liveness: finer checks cost CPU and buy no useful precision. */
const MIN_CHECK_PERIOD_MS = 5;

/** How often an endpoint should call `check`, ms; 0 when heartbeats are off entirely. */
export function heartbeatCheckPeriodMs(options: HeartbeatOptions): number {
  const spans = [options.intervalMs, options.timeoutMs].filter((span) => span > 0);
  if (spans.length === 0) return 0;
  const shortest = Math.min(...spans);
  return Math.max(Math.min(MIN_CHECK_PERIOD_MS, shortest), Math.floor(shortest / 4));
}

/**
 * The heartbeat interval of a connection on the tick-to-trade path: `keepWarmMs` when it is
 * set (--keep-warm-ms: its heartbeats keep both ends' read and write paths warm while the
 * feed is quiet), else the liveness interval.
 */
export function keepWarmOr(keepWarmMs: number | undefined, intervalMs: number): number {
  return keepWarmMs !== undefined && keepWarmMs > 0 ? keepWarmMs : intervalMs;
}

/** A list of problems with the options ([] when valid). */
export function checkHeartbeat(options: HeartbeatOptions): string[] {
  const problems: string[] = [];
  for (const key of ['intervalMs', 'timeoutMs'] as const) {
    const value = options[key];
    if (!Number.isFinite(value) || value < 0) problems.push(`heartbeat.${key} must be a number ≥ 0, got ${value}`);
  }
  if (options.intervalMs > 0 && options.timeoutMs > 0 && options.timeoutMs <= options.intervalMs) {
    // a peer with the same settings would be declared dead between two of its heartbeats
    problems.push(`heartbeat.timeoutMs (${options.timeoutMs}) must exceed heartbeat.intervalMs (${options.intervalMs})`);
  }
  return problems;
}

export class HeartbeatTracker {
  #lastSentMs: number;
  #lastReceivedMs: number;
  #sentSinceCheck = false;
  #receivedSinceCheck = false;

  constructor(nowMs: number) {
    this.#lastSentMs = nowMs;
    this.#lastReceivedMs = nowMs;
  }

  /** Something was written to the peer. Hot path: a flag only. */
  noteSent(): void {
    this.#sentSinceCheck = true;
  }

  /** Something arrived from the peer. Hot path: a flag only. */
  noteReceived(): void {
    this.#receivedSinceCheck = true;
  }

  /** Milliseconds since the peer was last heard from, as of the last check. */
  silentForMs(nowMs: number): number {
    return nowMs - this.#lastReceivedMs;
  }

  /**
   * What to do now. `timeoutMs` is passed per call so that a server can enable the
   * timeout for one client (e.g. after its hello) and not for another.
   */
  check(nowMs: number, intervalMs: number, timeoutMs: number): HeartbeatAction {
    if (this.#receivedSinceCheck) {
      this.#receivedSinceCheck = false;
      this.#lastReceivedMs = nowMs;
    }
    if (this.#sentSinceCheck) {
      this.#sentSinceCheck = false;
      this.#lastSentMs = nowMs;
    }
    if (timeoutMs > 0 && nowMs - this.#lastReceivedMs >= timeoutMs) return 'timeout';
    if (intervalMs > 0 && nowMs - this.#lastSentMs >= intervalMs) {
      // counts as a send: the caller sends now, and must not be asked again next period
      this.#lastSentMs = nowMs;
      return 'send';
    }
    return 'none';
  }
}
