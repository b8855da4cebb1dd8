/**
 * When to restart a crashed component, and when to give up. Pure: time is passed in.
 * Backoff doubles from `initialBackoffMs` up to `maxBackoffMs` with each crash inside the
 * window and resets once the component has run stably for `stableAfterMs`. More than
 * `maxCrashesPerWindow` crashes within `windowMs` means a crash loop: the supervisor stops
 * the system with a clear error rather than flapping forever.
 */
export interface RestartPolicyOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxCrashesPerWindow: number;
  windowMs: number;
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialBackoffMs: 200,
  maxBackoffMs: 5_000,
  maxCrashesPerWindow: 5,
  windowMs: 60_000,
  stableAfterMs: 10_000,
};

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

export class RestartPolicy {
  readonly #options: RestartPolicyOptions;
  readonly #crashesMs: number[] = [];
  #consecutive = 0;
  #startedMs = 0;

  constructor(options: Partial<RestartPolicyOptions> = {}) {
    this.#options = { ...DEFAULT_RESTART_POLICY, ...options };
  }

  /** The component (re)started at nowMs. */
  started(nowMs: number): void {
    this.#startedMs = nowMs;
  }

  /** The component crashed at nowMs: restart after a delay, or give up. */
  crashed(nowMs: number): RestartDecision {
    const { windowMs, maxCrashesPerWindow, stableAfterMs, initialBackoffMs, maxBackoffMs } = this.#options;
    if (nowMs - this.#startedMs >= stableAfterMs) this.#consecutive = 0;
    this.#crashesMs.push(nowMs);
    while (this.#crashesMs.length > 0 && nowMs - (this.#crashesMs[0] ?? 0) > windowMs) this.#crashesMs.shift();
    if (this.#crashesMs.length > maxCrashesPerWindow) {
      return {
        restart: false,
        reason: `crashed ${this.#crashesMs.length} times within ${Math.round(windowMs / 1000)} s (limit ${maxCrashesPerWindow})`,
      };
    }
    const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** this.#consecutive);
    this.#consecutive += 1;
    return { restart: true, delayMs };
  }

  get crashesInWindow(): number {
    return this.#crashesMs.length;
  }
}
