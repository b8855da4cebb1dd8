/**
 * The strategy's side of a backtest's flow gate (shm/flow-gate.ts): which gateway frame may
 * be handled now, which are held, and the market time the strategy runs on.
 *
 * A frame is handled only once the order manager has caught up and every report it made is
 * in; a tick, when orders rest, only once its book is written and the order manager matched
 * them against it. Frames that may not go yet are held (copied) in arrival order and
 * released from a setImmediate poll; `done` is published after each handled message, or
 * once the reports of the orders it made are in.
 */
import type { Logger } from '../core/log.js';
import { MessageDecoder } from '../protocol/codec.js';
import type { MarketData, NewsSentiment } from '../protocol/messages.js';
import { MessageType } from '../protocol/messages.js';
import { waitFor, type FlowGate } from '../shm/flow-gate.js';
import { TickBooks } from './tick-books.js';

/** A tick's book not written after this long is a stuck run (logged, handled anyway). */
const GATE_BOOK_TIMEOUT_MS = 30_000;

export type FrameHandler = (buffer: Buffer, offset: number, length: number) => void;

export class BacktestGate {
  /** The books of the ticks themselves: the orderbook trails a backtest. */
  readonly books = new TickBooks();
  readonly #gate: FlowGate;
  readonly #handle: FrameHandler;
  readonly #log: Logger;
  /** Market time: the handled messages' timestamps, ns. */
  #marketNs = 0;
  /** A handled message whose orders are not answered yet: its done is published later. */
  #pendingDone = 0;
  #reportsReceived = 0;
  readonly #held: (Buffer | undefined)[] = [];
  #heldHead = 0;
  readonly #peekDecoder = new MessageDecoder();
  #poll: NodeJS.Immediate | undefined;
  #closed = false;

  /** `handle` is called for every frame admitted, now or when released. */
  constructor(gate: FlowGate, handle: FrameHandler, log: Logger) {
    this.#gate = gate;
    this.#handle = handle;
    this.#log = log;
  }

  get nowNs(): number {
    return this.#marketNs;
  }

  /** A gateway frame arrived: handled now, or held (copied) until the gate lets it go. */
  offer(buffer: Buffer, offset: number, length: number): void {
    if (this.#held.length > 0 || !this.#openFor(buffer, offset, length)) {
      this.#held.push(Buffer.from(buffer.subarray(offset, offset + length)));
      this.#arm();
      return;
    }
    this.#handle(buffer, offset, length);
  }

  /** A tick is being handled: its time and book are the strategy's now. */
  onMarketData(message: MarketData): void {
    this.#marketNs = Math.round(message.timestamp * 1e6) * 1e3;
    this.books.update(message);
    this.#gate.publishCurrent(message.sequence);
  }

  /** News is being handled (its timestamp never moves market time back). */
  onNews(message: NewsSentiment): void {
    this.#marketNs = Math.max(this.#marketNs, Math.round(message.timestamp * 1e6) * 1e3);
    this.#gate.publishCurrent(message.sequence);
  }

  /** An order or cancel went to the order manager. */
  noteSent(): void {
    this.#gate.noteSent();
  }

  /** An execution report came in: held frames may go now. */
  onReport(): void {
    this.#reportsReceived += 1;
    this.#release();
  }

  /** A message with this sequence was handled: done now, or once its orders are answered. */
  finished(sequence: number): void {
    if (sequence === 0) return;
    if (this.#quiet()) this.#gate.publishDone(sequence);
    else {
      this.#pendingDone = sequence;
      this.#arm();
    }
  }

  /** Nothing is released any more. */
  close(): void {
    this.#closed = true;
    if (this.#poll !== undefined) clearImmediate(this.#poll);
    this.#poll = undefined;
  }

  /**
   * May this frame be handled now? A tick only once its book is written (the orderbook
   * writes it as soon as we finished the message before) and the order manager matched
   * its resting orders against that book and every report it made is in.
   */
  #openFor(buffer: Buffer, offset: number, length: number): boolean {
    const gate = this.#gate;
    if (this.#pendingDone !== 0 || !this.#quiet()) return false;
    if (gate.resting === 0) return true;
    // orders rest: they must have been matched against this tick's book first
    let sequence = 0;
    try {
      const message = this.#peekDecoder.decode(buffer, offset, length);
      if (message.type === MessageType.MARKET_DATA) sequence = message.sequence;
    } catch {
      return true; // handled (and counted) as a bad message
    }
    if (sequence > 0 && gate.written < sequence && !waitFor(() => gate.written >= sequence, GATE_BOOK_TIMEOUT_MS)) {
      this.#log.error('flow gate: the book of a tick never came', { sequence, written: gate.written });
      return true;
    }
    return this.#quiet();
  }

  /** The order manager caught up and every report it made is in. */
  #quiet(): boolean {
    // requests and matched before made: the order manager stores made first
    return this.#gate.orderManagerCaughtUp() && this.#reportsReceived >= this.#gate.made;
  }

  /** Publish a pending done and handle held frames, as far as the gate allows. */
  #release = (): void => {
    this.#poll = undefined;
    if (this.#pendingDone !== 0 && this.#quiet()) {
      this.#gate.publishDone(this.#pendingDone);
      this.#pendingDone = 0;
    }
    // a queue read from its head (shift() would move every held frame, each time)
    const held = this.#held;
    while (this.#heldHead < held.length) {
      const frame = held[this.#heldHead];
      if (frame === undefined || !this.#openFor(frame, 0, frame.length)) break;
      held[this.#heldHead] = undefined;
      this.#heldHead += 1;
      this.#handle(frame, 0, frame.length);
    }
    if (this.#heldHead === held.length) {
      held.length = 0;
      this.#heldHead = 0;
    }
    if (this.#pendingDone !== 0 || held.length > 0) this.#arm();
  };

  #arm(): void {
    if (this.#poll === undefined && !this.#closed) this.#poll = setImmediate(this.#release);
  }
}
