/**
 * The log lines of slow-consumer episodes (conflation, `conflate` policy), said only of
 * episodes that last. A TLS socket's write always completes later (Node encrypts, then
 * writes), so a client still on probation conflates for a moment whenever two frames go
 * to it in one turn: hundreds of bytes behind, caught up within the millisecond, nothing
 * lost (the latest frame per key goes out). Those are counted, not logged. An episode is
 * logged once it has lasted `afterMs` (found by the server's housekeeping sweep), and its
 * end then too; an episode that ended sooner but dropped frames is logged at its end, as
 * INFO (the drops are counted in frames_dropped either way).
 * At most CONFLATION_LOG_LINES lines per period either way, the rest counted in the next.
 */
import { monotonicMs } from '../core/clock.js';
import { LogRate } from '../core/log-rate.js';
import type { Logger } from '../core/log.js';
import type { ConflationEpisode } from './outbound-queue.js';

/** Episodes shorter than this are not logged (unless they dropped frames), ms. */
export const DEFAULT_SLOW_CONSUMER_LOG_AFTER_MS = 250;
/**
 * Slow-consumer lines (start and end) one by one up to this many per period, then counted:
 * 2,000 never-reading clients started ~6,000 episodes in their first seconds.
 */
const CONFLATION_LOG_LINES = 20;
const CONFLATION_LOG_PERIOD_MS = 10_000;

/** What the log says of a client. */
export interface SlowConsumer {
  readonly id: number;
  readonly remote: string;
  readonly backlogBytes: number;
}

export class SlowConsumerLog<TClient extends SlowConsumer> {
  readonly afterMs: number;
  readonly #log: Logger;
  readonly #maxBacklogBytes: number;
  readonly #rate = new LogRate(CONFLATION_LOG_LINES, CONFLATION_LOG_PERIOD_MS);
  /** Episodes going on and not logged yet: their start, ms. */
  readonly #quiet = new Map<TClient, number>();
  /** Episodes going on whose start was logged. */
  readonly #told = new Set<TClient>();

  constructor(log: Logger, maxBacklogBytes: number, afterMs = DEFAULT_SLOW_CONSUMER_LOG_AFTER_MS) {
    this.#log = log;
    this.#maxBacklogBytes = maxBacklogBytes;
    this.afterMs = afterMs;
  }

  began(client: TClient, nowMs = monotonicMs()): void {
    if (this.afterMs <= 0) this.#tellStart(client, 0, nowMs);
    else this.#quiet.set(client, nowMs);
  }

  ended(client: TClient, episode: ConflationEpisode, nowMs = monotonicMs()): void {
    const startMs = this.#quiet.get(client);
    this.#quiet.delete(client);
    if (!this.#told.delete(client) && episode.dropped === 0) return;
    if (!this.#rate.allow(nowMs)) return;
    const fields = { client: client.id, conflated: episode.conflated, dropped: episode.dropped, released: episode.released, ...this.#notLogged() };
    if (startMs === undefined) this.#log.info('slow consumer caught up', fields);
    // a moment behind: what it dropped is mostly heartbeats (other frames carry keys), counted too
    else this.#log.info('slow consumer: frames dropped while conflating', { ...fields, durationMs: Math.round(nowMs - startMs) });
  }

  /** Log the episodes that have now lasted `afterMs` (the server's housekeeping, every 100 ms). */
  sweep(nowMs = monotonicMs()): void {
    for (const [client, startMs] of this.#quiet) {
      if (nowMs - startMs < this.afterMs) continue;
      this.#quiet.delete(client);
      this.#tellStart(client, nowMs - startMs, nowMs);
    }
  }

  /** The client is gone. */
  forget(client: TClient): void {
    this.#quiet.delete(client);
    this.#told.delete(client);
  }

  #tellStart(client: TClient, forMs: number, nowMs: number): void {
    this.#told.add(client);
    if (!this.#rate.allow(nowMs)) return;
    this.#log.warn('slow consumer: conflating', {
      client: client.id,
      remote: client.remote,
      forMs: Math.round(forMs),
      backlogBytes: client.backlogBytes,
      maxBacklogBytes: this.#maxBacklogBytes,
      ...this.#notLogged(),
    });
  }

  #notLogged(): { episodeLinesNotLogged?: number } {
    const notLogged = this.#rate.takeNotLogged();
    return notLogged > 0 ? { episodeLinesNotLogged: notLogged } : {};
  }
}
