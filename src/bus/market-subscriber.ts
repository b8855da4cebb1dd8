/**
 * The subscribers' side of the bus (orderbook, strategy): `md.<SYMBOL>` and
 * `news.<SYMBOL>` for every symbol (`md.>`, `news.>`) or a given set, and
 * `gateway.heartbeat`. Each payload goes to `onPayload(buffer, offset, length)`, the same
 * shape a FrameClient hands over, so a component decodes bus and TCP data alike.
 *
 * Feed liveness: the feed is lost when the bus connection drops (a nats-server restart) or
 * when nothing (not even the gateway's heartbeat) arrived for `feedTimeoutMs`; the
 * component marks its books stale then. It is up again with the next message. The NATS
 * client re-subscribes by itself after a reconnect.
 */
import type { Subscription } from '@nats-io/transport-node';
import { monotonicMs } from '../core/clock.js';
import type { BusConnection } from './bus-connection.js';
import { GATEWAY_HEARTBEAT_SUBJECT, MARKET_DATA_PREFIX, NEWS_PREFIX, marketDataSubject, newsSubject } from './subjects.js';

export const DEFAULT_FEED_TIMEOUT_MS = 3_000;

export interface MarketSubscriberOptions {
  connection: BusConnection;
  /** Symbols to take; undefined = all. */
  symbols?: readonly string[];
  onPayload: (buffer: Buffer, offset: number, length: number) => void;
  /** The feed stopped: bus down, or the gateway silent past feedTimeoutMs. */
  onFeedLost: (reason: string) => void;
  /** The first message after a loss (or the first of all). */
  onFeedUp?: () => void;
  feedTimeoutMs?: number;
}

export class MarketSubscriber {
  readonly #options: MarketSubscriberOptions;
  readonly #subscriptions: Subscription[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastMessageMs = 0;
  #up = false;
  messages = 0;
  bytes = 0;
  feedLosses = 0;

  constructor(options: MarketSubscriberOptions) {
    this.#options = options;
  }

  get feedUp(): boolean {
    return this.#up;
  }

  /** Subjects subscribed to, for the ready line. */
  get subjects(): string[] {
    const symbols = this.#options.symbols;
    if (symbols === undefined) return [`${MARKET_DATA_PREFIX}>`, `${NEWS_PREFIX}>`, GATEWAY_HEARTBEAT_SUBJECT];
    return [...symbols.map(marketDataSubject), ...symbols.map(newsSubject), GATEWAY_HEARTBEAT_SUBJECT];
  }

  /** Subscribe (the connection must be open) and watch the feed. */
  start(): void {
    const nc = this.#options.connection.nats;
    for (const subject of this.subjects) {
      this.#subscriptions.push(
        nc.subscribe(subject, {
          callback: (err, msg) => {
            if (err !== null) return;
            this.#onMessage(msg.data);
          },
        }),
      );
    }
    const timeoutMs = this.#options.feedTimeoutMs ?? DEFAULT_FEED_TIMEOUT_MS;
    this.#lastMessageMs = monotonicMs();
    this.#timer = setInterval(() => {
      if (this.#up && monotonicMs() - this.#lastMessageMs > timeoutMs) this.#lost(`nothing from the gateway for ${timeoutMs} ms`);
    }, Math.max(50, Math.floor(timeoutMs / 4)));
    this.#timer.unref();
  }

  /** The bus connection dropped (the component's BusConnection hook calls this). */
  busLost(): void {
    this.#lost('bus disconnected');
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#subscriptions.length = 0;
    this.#up = false;
  }

  #onMessage(data: Uint8Array): void {
    this.#lastMessageMs = monotonicMs();
    this.messages++;
    this.bytes += data.length;
    if (!this.#up) {
      this.#up = true;
      this.#options.onFeedUp?.();
    }
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#options.onPayload(buffer, 0, buffer.length);
  }

  #lost(reason: string): void {
    if (!this.#up) return;
    this.#up = false;
    this.feedLosses++;
    this.#options.onFeedLost(reason);
  }
}
