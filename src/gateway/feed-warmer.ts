/**
 * Runs the gateway's side of tick-to-trade dry while the feed is quiet (--keep-warm-ms),
 * as the strategy's order path warmer does its side.
 *
 * At the seed's pacing a round of ticks goes every 100 ms. Stamps in the gateway with
 * --keep-warm-ms 1 put 107 µs p50 between a round's stamp and its frames queued (5
 * symbols): stepping the first symbol took 24 µs and encoding and queueing its tick 27 µs,
 * the next ones about 5 µs each. The heartbeats keep the queueing and the socket warm; the
 * model's step and the tick's encoding ran cold. So every `intervalMs` this steps a
 * scratch model of the same configuration, one symbol of it, and encodes its tick with the
 * gateway's own binary encoder: that encoder's buffer is scratch between sends (each
 * client's queue, and the bus, take a copy of a frame at once). Nothing is sent. The real
 * model is not touched, so its random streams, and a recording, stay the same; nothing is
 * allocated per run.
 */
import { MarketModel } from '../market/market-model.js';
import type { MarketModelOptions } from '../market/market-options.js';
import type { MarketData } from '../protocol/messages.js';
import type { FrameEncoder } from './frame-encoder.js';

export interface FeedWarmerOptions {
  /** The real model's options; the scratch model takes them with the first symbol only. */
  market: MarketModelOptions;
  /** The gateway's binary frame encoder. */
  encoder: FrameEncoder;
  /** Run at most this often, ms. */
  intervalMs: number;
}

export class FeedWarmer {
  readonly #model: MarketModel;
  readonly #tick: MarketData;
  readonly #encoder: FrameEncoder;
  readonly #intervalMs: number;
  /** Market time per step: the real rate's period, so the scratch book moves as a real one does. */
  readonly #dtSeconds: number;
  #timer: NodeJS.Timeout | undefined;
  /** Dry runs done. */
  runs = 0;

  constructor(options: FeedWarmerOptions) {
    const symbols = options.market.symbols ?? [];
    this.#model = new MarketModel({ ...options.market, symbols: symbols.slice(0, 1) });
    this.#tick = this.#model.createMarketData();
    this.#encoder = options.encoder;
    this.#intervalMs = options.intervalMs;
    this.#dtSeconds = 1 / this.#model.config.updatesPerSecond;
  }

  start(): void {
    if (this.#timer !== undefined || this.#intervalMs <= 0) return;
    this.#timer = setInterval(() => this.run(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One dry step and encode (nothing sent, the real model untouched). */
  run(): void {
    this.#model.step(0, this.#dtSeconds, this.#tick);
    this.#encoder.frame(this.#tick);
    this.runs += 1;
  }
}
