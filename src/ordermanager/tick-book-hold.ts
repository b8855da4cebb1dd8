/**
 * Orders ahead of their tick's book, held without holding up anyone else.
 *
 * A strategy trading on its ticks (--book-source tick) can reach us before the orderbook
 * has written the book of the tick its order was made on. Such an order waits for that
 * book (an exchange is never behind the market data it published), at most `waitMs`. Its
 * client's later frames (orders, cancels, heartbeats) wait behind it, in order, copied; every
 * other client goes on being served, and the event loop keeps running (timers, heartbeats,
 * resting orders). The held order is handled once its book has come or the wait ran out
 * (then against the book there is; the OrderManager counts it, orders_ahead_of_book); what
 * waited behind it follows, and may itself be held.
 *
 * The check runs each event-loop turn while something is held: for SPIN_MS every turn (the
 * book usually comes within a few tens of µs), then with a 50 µs nap (flow-gate.ts) before
 * each check, so that on a machine with few cores the orderbook we wait for gets one. Copies are made
 * only for held frames: the common case, the book already there, costs one read. What a
 * client has held is bounded (maxHeldBytes): a client that sends more meanwhile has it all
 * handled at once, its held order against the book there is. So is what all clients have
 * held together (maxTotalHeldBytes): these are copies outside the server's inbound budget,
 * which bounds only frames still arriving, so this is their own bound across clients.
 */
import { MAX_BOOK_DEPTH, createL2Book } from '../core/book.js';
import { nap } from '../shm/flow-gate.js';
import type { LiveBook } from '../shm/live-book.js';

const SPIN_MS = 0.1;
/** Bytes of frames one client may have held (its socket's reads within the wait, at most). */
export const DEFAULT_MAX_HELD_BYTES = 1024 * 1024;
/** Bytes of frames all clients together may have held. */
export const DEFAULT_MAX_TOTAL_HELD_BYTES = 16 * 1024 * 1024;

interface HeldFrame {
  bytes: Buffer;
  /** When the frame was read from the socket (monotonic ns), for its stamps. */
  readNs: number;
}

interface HeldQueue {
  /** The held order's symbol and tick stamp: released once the book has that tick. */
  symbol: string;
  tickSentNs: number;
  heldAtMs: number;
  deadlineMs: number;
  bytes: number;
  /** The held order first, then what came after it. */
  frames: HeldFrame[];
}

export interface TickBookHoldOptions<TClient> {
  /** The shared book the order manager executes against, once attached (none: nothing is held). */
  book: () => LiveBook | undefined;
  /** At most this long, ms (0: nothing is held). */
  waitMs: number;
  /** Bytes one client may have held (default DEFAULT_MAX_HELD_BYTES); past them its frames are handled at once. */
  maxHeldBytes?: number;
  /** Bytes all clients together may have held (default DEFAULT_MAX_TOTAL_HELD_BYTES); the client past them has its frames handled at once. */
  maxTotalHeldBytes?: number;
  /**
   * Handle a frame that was held; `waited`: it is the held order, not to be held again.
   * It may hold a later frame again (hold()): the rest then queue behind that one.
   */
  handle: (client: TClient, bytes: Buffer, readNs: number, waited: boolean) => void;
}

export class TickBookHold<TClient> {
  readonly #options: TickBookHoldOptions<TClient>;
  readonly #queues = new Map<TClient, HeldQueue>();
  /** Scratch for the book reads (the OrderManager has its own). */
  readonly #scratch = createL2Book(MAX_BOOK_DEPTH);
  #immediate: NodeJS.Immediate | undefined;
  #heldBytes = 0;

  constructor(options: TickBookHoldOptions<TClient>) {
    this.#options = options;
  }

  /** Whether an order made on the tick stamped `tickSentNs` must wait: the book of `symbol` is older. */
  mustWait(symbol: string, tickSentNs: number): boolean {
    return tickSentNs > 0 && this.#options.waitMs > 0 && this.#behind(symbol, tickSentNs);
  }

  /** Frames of `client` wait behind a held order: a new one must queue (queue()). */
  holds(client: TClient): boolean {
    return this.#queues.has(client);
  }

  /** Clients with a held order now. */
  get size(): number {
    return this.#queues.size;
  }

  /** Bytes of frames held now, all clients together. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Hold this order frame (copied) until the book of its tick has come, or waitMs. */
  hold(client: TClient, buffer: Buffer, offset: number, length: number, readNs: number, symbol: string, tickSentNs: number): void {
    const nowMs = performance.now();
    this.#queues.set(client, {
      symbol,
      tickSentNs,
      heldAtMs: nowMs,
      deadlineMs: nowMs + this.#options.waitMs,
      bytes: length,
      frames: [{ bytes: Buffer.from(buffer.subarray(offset, offset + length)), readNs }],
    });
    this.#heldBytes += length;
    if (this.#heldBytes > this.#maxTotalHeldBytes) {
      this.releaseNow(client);
      return;
    }
    this.#immediate ??= setImmediate(this.#check);
  }

  /** A frame of a client that holds: queued (copied) behind its held order; past maxHeldBytes, all handled now. */
  queue(client: TClient, buffer: Buffer, offset: number, length: number, readNs: number): void {
    const queue = this.#queues.get(client);
    if (queue === undefined) return;
    queue.frames.push({ bytes: Buffer.from(buffer.subarray(offset, offset + length)), readNs });
    queue.bytes += length;
    this.#heldBytes += length;
    if (queue.bytes > (this.#options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES) || this.#heldBytes > this.#maxTotalHeldBytes) this.releaseNow(client);
  }

  get #maxTotalHeldBytes(): number {
    return this.#options.maxTotalHeldBytes ?? DEFAULT_MAX_TOTAL_HELD_BYTES;
  }

  /** Handle what `client` has held now, without waiting (it is gone), or everyone's (we stop). */
  releaseNow(client?: TClient): void {
    // a released frame may be held again: released again, its head then handled as waited
    if (client !== undefined) {
      for (let queue = this.#queues.get(client); queue !== undefined; queue = this.#queues.get(client)) this.#release(client, queue);
      return;
    }
    for (const [held, queue] of this.#queues) this.#release(held, queue);
  }

  /** Stop checking; what is held is forgotten (the process is going away). */
  close(): void {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#queues.clear();
    this.#heldBytes = 0;
  }

  readonly #check = (): void => {
    this.#immediate = undefined;
    let nowMs = performance.now();
    let oldestMs = nowMs;
    for (const queue of this.#queues.values()) oldestMs = Math.min(oldestMs, queue.heldAtMs);
    if (this.#queues.size > 0 && nowMs - oldestMs > SPIN_MS) {
      nap();
      nowMs = performance.now();
    }
    for (const [client, queue] of this.#queues) {
      if (nowMs >= queue.deadlineMs || !this.#behind(queue.symbol, queue.tickSentNs)) this.#release(client, queue);
    }
    if (this.#queues.size > 0) this.#immediate = setImmediate(this.#check);
  };

  #behind(symbol: string, tickSentNs: number): boolean {
    const book = this.#options.book();
    if (book === undefined || book.read(symbol, this.#scratch) !== 'live') return false;
    const sentNs = this.#scratch.sentNs;
    return sentNs > 0 && sentNs < tickSentNs;
  }

  #release(client: TClient, queue: HeldQueue): void {
    this.#queues.delete(client);
    this.#heldBytes -= queue.bytes;
    const frames = queue.frames;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i] as HeldFrame;
      const again = this.#queues.get(client);
      // held again by a later order: the rest wait behind that one
      if (again !== undefined) {
        again.frames.push(frame);
        again.bytes += frame.bytes.length;
        this.#heldBytes += frame.bytes.length;
      } else {
        this.#options.handle(client, frame.bytes, frame.readNs, i === 0);
      }
    }
  }
}
