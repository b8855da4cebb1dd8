/**
 * The gateway's news as the dashboard sees it: one more gateway client. It says a binary
 * HELLO on every connection, as the orderbook does, so the gateway sends it the very frames
 * it already encoded for the other binary clients (no encoding of its own), and asks for no
 * market data (`marketData: false`): the dashboard's prices come from the shared book, and
 * a feed that took every tick would wake the supervisor's process for each one (a gateway
 * that does not know the flag still sends them; they are dropped here). The gateway bounds what it queues for each client, so a slow dashboard costs the
 * gateway a conflated queue, never the trading clients' time.
 *
 * With a secret (`authToken`: `trading run` provisions one for its dashboard, `trading
 * dashboard` takes --auth-token / TRADING_AUTH_TOKEN / --auth-token-file) the HELLO is the
 * session layer's JSON one, naming the `dashboard` identity and proving it, so that a
 * gateway that takes no anonymous client (--no-anonymous, or beyond loopback) still serves
 * it; the gateway answers and then sends binary as before. TLS with `tls`.
 */
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { FrameClient } from '../net/frame-client.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION, SENTIMENT_NAMES } from '../protocol/messages.js';
import type { NewsView } from './wire.js';

export interface NewsFeedOptions {
  host: string;
  port: number;
  log: Logger;
  onNews: (news: NewsView) => void;
  /** The secret of the `dashboard` identity, when the gateway takes credentials. */
  authToken?: string | undefined;
  tls?: TlsMaterial | undefined;
}

export class NewsFeed {
  readonly #client: FrameClient;
  readonly #decoder = new MessageDecoder();
  readonly #options: NewsFeedOptions;
  badFrames = 0;
  received = 0;

  constructor(options: NewsFeedOptions) {
    this.#options = options;
    const encoder = new MessageEncoder({ mode: 'binary' });
    const token = options.authToken === undefined || options.authToken === '' ? undefined : options.authToken;
    const helloBytes = encoder.encode(
      { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'dashboard', binary: true, marketData: false, ...(token === undefined ? {} : { authToken: token }) },
      token === undefined ? 'binary' : 'json',
    );
    const hello = Buffer.from(encoder.buffer.subarray(4, helloBytes));
    this.#client = new FrameClient({
      host: options.host,
      port: options.port,
      tls: options.tls,
      log: options.log,
      reconnect: { minDelayMs: 200, maxDelayMs: 2_000 },
      onFrame: (buffer, offset, length) => this.#onFrame(buffer, offset, length),
      onConnect: () => void this.#client.sendPayload(hello),
    });
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  start(): void {
    void this.#client.connect();
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  #onFrame(buffer: Buffer, offset: number, length: number): void {
    let message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (err) {
      this.badFrames += 1;
      if (this.badFrames === 1) this.#options.log.warn('undecodable frame from the gateway', { error: describeError(err) });
      return;
    }
    if (message.type !== MessageType.NEWS_SENTIMENT) return;
    this.received += 1;
    this.#options.onNews({
      time: message.timestamp,
      symbol: message.symbol,
      sentiment: SENTIMENT_NAMES[message.sentiment],
      score: message.score,
      headline: message.headline,
    });
  }
}
