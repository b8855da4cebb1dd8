/**
 * The gateway's side of the bus: every MARKET_DATA on `md.<SYMBOL>`, every NEWS_SENTIMENT
 * on `news.<SYMBOL>`, our binary payload (no frame header), and a HEARTBEAT on
 * `gateway.heartbeat` every second so that subscribers can tell a quiet market from a
 * gateway that is gone.
 *
 * While the bus is down nothing is published (counted in `skipped`): a book from before an
 * outage is worth nothing after it, and the NATS client would otherwise keep every message
 * in memory until it reconnects.
 *
 * Allocation: the NATS client keeps a reference to the payload until its next flush and
 * builds a protocol line per message, so each publish copies the payload (our encoder's
 * buffer is reused) and allocates inside the client: the bus path is not allocation-free,
 * the direct TCP path stays so.
 */
import type { BusConnection } from './bus-connection.js';
import { GATEWAY_HEARTBEAT_SUBJECT, marketDataSubject, newsSubject } from './subjects.js';

export const BUS_HEARTBEAT_INTERVAL_MS = 1_000;

export interface MarketPublisherCounters {
  published: number;
  skipped: number;
  bytes: number;
}

export class MarketPublisher {
  readonly #connection: BusConnection;
  readonly #marketDataSubjects: string[];
  readonly #newsSubjects = new Map<string, string>();
  readonly #heartbeat: () => Uint8Array;
  #timer: NodeJS.Timeout | undefined;
  readonly counters: MarketPublisherCounters = { published: 0, skipped: 0, bytes: 0 };

  /** `symbols[i]` is the symbol of index i; `heartbeat` gives a HEARTBEAT payload. */
  constructor(connection: BusConnection, symbols: readonly string[], heartbeat: () => Uint8Array) {
    this.#connection = connection;
    this.#marketDataSubjects = symbols.map(marketDataSubject);
    for (const symbol of symbols) this.#newsSubjects.set(symbol, newsSubject(symbol));
    this.#heartbeat = heartbeat;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#send(GATEWAY_HEARTBEAT_SUBJECT, this.#heartbeat(), 0, undefined), BUS_HEARTBEAT_INTERVAL_MS);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** MARKET_DATA of the symbol at `index`; `payload` from `offset` to its end. */
  marketData(index: number, payload: Uint8Array, offset: number): void {
    const subject = this.#marketDataSubjects[index];
    if (subject !== undefined) this.#send(subject, payload, offset, undefined);
  }

  /** NEWS_SENTIMENT about `symbol`. */
  news(symbol: string, payload: Uint8Array, offset: number): void {
    this.#send(this.#newsSubjects.get(symbol) ?? newsSubject(symbol), payload, offset, undefined);
  }

  #send(subject: string, payload: Uint8Array, offset: number, end: number | undefined): void {
    if (!this.#connection.connected) {
      this.counters.skipped++;
      return;
    }
    // a copy (Uint8Array.prototype.slice: Buffer's own slice would be a view of the reused buffer)
    const copy = Uint8Array.prototype.slice.call(payload, offset, end);
    this.#connection.nats.publish(subject, copy);
    this.counters.published++;
    this.counters.bytes += copy.length;
  }
}
