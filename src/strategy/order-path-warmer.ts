/**
 * Runs the strategy's side of tick-to-trade dry while the feed is quiet (--keep-warm-ms).
 *
 * At the seed's pacing a tick comes every 20 ms and an order about once a second. In the
 * gaps the code and data of the path (decoding a tick, reading its book, checking and
 * encoding an order) leave the CPU's caches, so the tick that makes an order pays for
 * bringing them back: measured here, a bare round trip between two Node processes costs
 * ~240 µs every 20 ms but ~85 µs when the same path also runs once a millisecond. So
 * every `intervalMs` of quiet this decodes the last tick again, reads its symbol's book,
 * and checks and encodes an order, each with scratch objects of its own: nothing is sent,
 * no state of the strategy, its engine or its connections changes. The heartbeats the same
 * option turns on keep the sockets' paths warm (net/heartbeat.ts keepWarmOr).
 *
 * The dry order is encoded the way a real one is, by the order manager link's own encoder
 * (its buffer is scratch between sends) and with signal data: encoding a real order
 * measured 30-34 µs p50 at the seed's pacing with a dry order that had none, 14-18 µs
 * with this one. Its JSON text is the only allocation of a run (about 100 bytes).
 */
import { createL2Book, type L2Book } from '../core/book.js';
import type { BookSource } from '../core/book-source.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { MessageType, OrderType, Side, TimeInForce, type Order } from '../protocol/messages.js';
import type { OrderRequest } from './strategy.js';
import { validateOrderRequest } from './engine.js';

/** Largest tick frame kept for the dry decode; a bigger one (not one of ours) is not kept. */
const MAX_TICK_BYTES = 4096;

export interface OrderPathWarmerOptions {
  /** The strategy's books (the live shared-memory book). */
  books: BookSource;
  /** Encode an order as the link would, sending nothing (OrderManagerLink.encodeDry); by default an encoder of the warmer's own. */
  encode?: (order: Order) => void;
  /** Run at most this often, ms. */
  intervalMs: number;
}

export class OrderPathWarmer {
  readonly #books: BookSource;
  readonly #intervalMs: number;
  readonly #decoder = new MessageDecoder();
  readonly #encode: (order: Order) => void;
  /** Numbers and names like a strategy's signal data: JSON.stringify and its number formatting stay warm. */
  readonly #signalData = { price_change: 0, sentiment_ema: 0.25, lookback_ms: 1000 };
  readonly #book: L2Book = createL2Book();
  readonly #tick = Buffer.alloc(MAX_TICK_BYTES);
  #tickBytes = 0;
  readonly #request: OrderRequest = { symbol: '', side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: 1, quantity: 1 };
  readonly #order: Order = {
    type: MessageType.ORDER,
    orderId: 'WARM-0',
    symbol: '',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    price: 1,
    quantity: 1,
    timestamp: 0,
    tickSentNs: 0,
    orderSentNs: 0,
    signalData: this.#signalData,
  };
  #timer: NodeJS.Timeout | undefined;
  /** Dry runs done (for tests and the counters). */
  runs = 0;

  constructor(options: OrderPathWarmerOptions) {
    this.#books = options.books;
    this.#intervalMs = options.intervalMs;
    if (options.encode !== undefined) this.#encode = options.encode;
    else {
      const encoder = new MessageEncoder({ mode: 'binary' });
      this.#encode = (order) => void encoder.encode(order, 'binary');
    }
  }

  /** Keep a copy of the latest tick's payload, for the dry decode. Hot path: one copy into a kept buffer. */
  noteTick(buffer: Buffer, offset: number, length: number): void {
    if (length > MAX_TICK_BYTES) return;
    buffer.copy(this.#tick, 0, offset, offset + length);
    this.#tickBytes = length;
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

  /** One dry run of the order path (nothing sent, nothing changed outside this object). */
  run(): void {
    if (this.#tickBytes === 0) return; // no tick yet: no symbol, nothing worth warming
    const tick = this.#decoder.decode(this.#tick, 0, this.#tickBytes);
    if (tick.type !== MessageType.MARKET_DATA) return;
    this.#books.read(tick.symbol, this.#book);
    const request = this.#request;
    request.symbol = tick.symbol;
    validateOrderRequest(request);
    const order = this.#order;
    order.symbol = tick.symbol;
    order.timestamp = tick.timestamp;
    order.tickSentNs = tick.sentNs;
    this.#signalData.price_change = tick.lastPrice * 1e-9;
    this.#encode(order);
    this.runs += 1;
  }
}
