/**
 * Waiting for a tick's own book without blocking the strategy's event loop.
 *
 * The strategy hears of tick N over the gateway connection while the orderbook process,
 * which got the same tick, writes its book into shared memory: nothing orders the two, so
 * the book may still be the symbol's previous one when the strategy reads it. Spinning on
 * the read is no good on a loaded machine: the orderbook needs a core to write the book,
 * and the spinning strategy holds one. So:
 *
 * - the common case, the book already there, is handled at once with the one read the
 *   engine always makes (StrategyEngine.onMarketData with mayDefer);
 * - a tick whose book is behind is put off: its frame is copied and the engine re-reads
 *   the book on the next event-loop turns (the loop still serves the sockets and timers in
 *   between), until the book has come or `waitMs` has passed since the tick was read; then
 *   the tick is handled, the strategy told `lagging` if the book never came. The first
 *   YIELD_AFTER_MS of re-reads are on immediate turns (the book usually comes within tens
 *   of µs); after that on ~1 ms timer turns, so that the process sleeps and the orderbook
 *   gets a core (measured on the loaded 2-core machine, `trading run --rate 200`: polling
 *   on immediate turns throughout left 13 to 63 % of the behind books still behind after
 *   5 ms and the waits' p99 at 16 to 53 ms; yielding after 0.2 ms, 1 to 48 % and 7 to 18 ms);
 * - while a tick waits, every later gateway frame (ticks, news, heartbeats) waits behind it,
 *   so the strategy still sees the feed in order; each is handled in turn as soon as the
 *   ones before it are (a later tick's book is looked at when its turn comes, with its own
 *   deadline from its own arrival).
 *
 * Only the put-off path allocates (a copy of each waiting frame, a clock read per turn).
 */
import { MessageDecoder } from '../protocol/codec.js';
import { MessageType, type MarketData, type Message } from '../protocol/messages.js';
import type { StrategyEngine } from './engine.js';

/**
 * How long a live tick waits for its own book by default, µs. Only ever spent when the
 * book is behind; a bound for a loaded machine, where the orderbook may wait milliseconds
 * for a core (measured: with a 50 µs spin a third of the ticks still lagged under load).
 */
export const DEFAULT_BOOK_WAIT_US = 5_000;

/** Re-reads on immediate turns for this long, then on timer turns (the process sleeps between), ms. */
export const YIELD_AFTER_MS = 0.2;

export interface TickBookWaitOptions {
  engine: StrategyEngine;
  /** How long a tick may wait for its book after it was read, ms (> 0). */
  waitMs: number;
  /** A tick is about to be handled; `readMs` is when it was read (performance.now()). */
  beforeTick: (readMs: number) => void;
  /** A tick was handled (write its orders). `waitedMs`: how long it waited for its book, 0 if not put off. */
  afterTick: (waitedMs: number) => void;
  /** A frame that waited behind a tick and is not one (news, a heartbeat, ...): handle it now. */
  other: (message: Message) => void;
  /** A frame that waited and cannot be decoded. */
  bad: (err: unknown) => void;
}

interface WaitingFrame {
  bytes: Buffer;
  readMs: number;
  /** Its tick was offered to the engine already (and put off). */
  offered: boolean;
}

export class TickBookWait {
  readonly #options: TickBookWaitOptions;
  readonly #decoder = new MessageDecoder();
  readonly #frames: (WaitingFrame | undefined)[] = [];
  #head = 0;
  #poll: NodeJS.Immediate | undefined;
  #sleep: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: TickBookWaitOptions) {
    this.#options = options;
  }

  /** Frames are waiting: a new gateway frame must go behind them (queue). */
  get busy(): boolean {
    return this.#head < this.#frames.length;
  }

  /**
   * A tick just decoded from (buffer, offset, length), read at `readMs`: handled now when
   * its book is there (true), else put off (false: its frame is kept, nothing else to do).
   */
  offer(tick: MarketData, buffer: Buffer, offset: number, length: number, readMs: number): boolean {
    if (this.#options.engine.onMarketData(tick, true)) return true;
    this.#frames.push({ bytes: Buffer.from(buffer.subarray(offset, offset + length)), readMs, offered: true });
    this.#arm();
    return false;
  }

  /** A gateway frame that arrived while others wait: it goes behind them. */
  queue(buffer: Buffer, offset: number, length: number, readMs: number): void {
    this.#frames.push({ bytes: Buffer.from(buffer.subarray(offset, offset + length)), readMs, offered: false });
    this.#arm();
  }

  /** Forget what waits (stopping: the engine handles no tick any more). */
  close(): void {
    this.#closed = true;
    if (this.#poll !== undefined) clearImmediate(this.#poll);
    if (this.#sleep !== undefined) clearTimeout(this.#sleep);
    this.#poll = undefined;
    this.#sleep = undefined;
    this.#frames.length = 0;
    this.#head = 0;
  }

  #arm(): void {
    if (this.#poll !== undefined || this.#sleep !== undefined || this.#closed) return;
    const head = this.#frames[this.#head];
    // a tick that has waited a while: sleep a timer turn (the orderbook needs the core)
    if (head !== undefined && head.offered && performance.now() - head.readMs > YIELD_AFTER_MS) this.#sleep = setTimeout(this.#wake, 1);
    else this.#poll = setImmediate(this.#drain);
  }

  #wake = (): void => {
    this.#sleep = undefined;
    this.#drain();
  };

  #drain = (): void => {
    this.#poll = undefined;
    const frames = this.#frames;
    while (this.#head < frames.length) {
      const frame = frames[this.#head];
      if (frame !== undefined && !this.#handle(frame)) {
        this.#arm();
        return;
      }
      frames[this.#head] = undefined;
      this.#head += 1;
    }
    frames.length = 0;
    this.#head = 0;
  };

  /** Handle one waiting frame; false when it is a tick whose book is still behind and may wait on. */
  #handle(frame: WaitingFrame): boolean {
    const options = this.#options;
    let message: Message;
    try {
      message = this.#decoder.decode(frame.bytes, 0, frame.bytes.length);
    } catch (err) {
      options.bad(err);
      return true;
    }
    if (message.type !== MessageType.MARKET_DATA) {
      options.other(message);
      return true;
    }
    const waitedMs = performance.now() - frame.readMs;
    const mayWait = waitedMs < options.waitMs;
    options.beforeTick(frame.readMs);
    const handled = frame.offered ? options.engine.retryMarketData(message, mayWait) : options.engine.onMarketData(message, mayWait);
    frame.offered = true;
    if (!handled) return false;
    options.afterTick(waitedMs);
    return true;
  }
}
