/**
 * The backtest's flow gate: one small shared segment through which the orderbook, the
 * strategy and the order manager keep in step, so that the same recording gives the same
 * fills every run, without a round trip per tick. THE single source of its layout.
 *
 *  GATE SEGMENT (256 B, Int32 words unless said; each party writes its own cache line)
 *    0  magic "GATE"   4 layout version
 *   64  written: gateway sequence of the last book the orderbook wrote
 *   68  seen: gateway sequence of the last message the orderbook saw (news included)
 *   72  market time of that book, epoch µs (f64 at 72, plain store before `written`)
 *  128  done: gateway sequence of the last message the strategy finished (its orders answered)
 *  132  sent: orders and cancels the strategy sent
 *  136  current: gateway sequence of the message the strategy is handling
 *  192  requests: orders and cancels the order manager handled
 *  196  made: execution reports it made (delivered or waiting for the trade log)
 *  200  resting: its resting orders
 *  204  matched: the `written` its resting orders were last matched against
 *
 * The protocol (each rule a wait in one process, on words the others write):
 *  - strategy: keeps its own books from the ticks it handles (the same content the
 *    orderbook writes), so it never waits for the orderbook. Before handling message S it
 *    stores current = S and waits until every order and cancel it sent was handled
 *    (requests ≥ sent) and every report made is in (made ≤ its reports received); while
 *    orders rest, also until the orderbook wrote S and the order manager matched them
 *    against it. When it cannot go on it holds S and what follows (back to the event loop,
 *    where the reports arrive). After S it publishes done = S.
 *  - orderbook: trails the strategy. Before writing the book of message M it waits until
 *    done ≥ seen (the strategy finished everything before M) and, while orders rest,
 *    matched ≥ written.
 *  - order manager: an order or cancel is handled once the orderbook has seen the message
 *    the strategy is handling (seen ≥ current): the book is then exactly that message's.
 *    It publishes requests, made, resting after each, and while orders rest it matches them
 *    against every new book.
 * The replaying gateway waits for nobody: it streams as fast as the slowest client reads.
 * So the strategy runs free, the orderbook a step behind it, and the only waits are those of
 * an order in flight (its round trip, and the orderbook catching up to it) and of resting
 * orders (matched book by book).
 *
 * Why this gives the same fills: an order of message S executes against exactly the book
 * the strategy saw (the orderbook cannot move past S until the strategy is done with S,
 * and it is done only once its orders are answered), resting orders are matched against
 * every book in order, and the strategy sees every report before its next message. The
 * clocks are market time (the book's time), not the wall clock.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { closeSegment, createSegment, openSegment, unlinkSegment } from './native.js';

export const GATE_MAGIC = 0x4554_4147; // "GATE"
export const GATE_VERSION = 1;
export const GATE_BYTES = 256;
const I_MAGIC = 0;
const I_VERSION = 1;
const I_WRITTEN = 16;
const I_SEEN = 17;
const F_MARKET_US = 9; // f64 index: byte 72
const I_DONE = 32;
const I_SENT = 33;
const I_CURRENT = 34;
const I_REQUESTS = 48;
const I_MADE = 49;
const I_RESTING = 50;
const I_MATCHED = 51;

/** Spins before a waiter starts sleeping between looks, and the sleep, µs. */
const SPINS_BEFORE_SLEEP = 20_000;
const SLEEP_US = 50;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class FlowGate {
  readonly name: string;
  readonly #buffer: ArrayBuffer;
  readonly #words: Int32Array;
  readonly #time: Float64Array;
  readonly #owner: boolean;
  #closed = false;

  private constructor(name: string, buffer: ArrayBuffer, owner: boolean) {
    this.name = name;
    this.#buffer = buffer;
    this.#words = new Int32Array(buffer, 0, GATE_BYTES / 4);
    this.#time = new Float64Array(buffer, 0, GATE_BYTES / 8);
    this.#owner = owner;
  }

  /** Create the segment (the backtest does, before it starts anyone). */
  static create(name: string): FlowGate {
    const gate = new FlowGate(name, createSegment(name, GATE_BYTES), true);
    gate.#words[I_VERSION] = GATE_VERSION;
    Atomics.store(gate.#words, I_MAGIC, GATE_MAGIC);
    return gate;
  }

  /** Open the segment a backtest created. Throws E_SHM_* or E_SHM_LAYOUT_MISMATCH. */
  static open(name: string): FlowGate {
    const buffer = openSegment(name);
    const words = new Int32Array(buffer, 0, GATE_BYTES / 4);
    if (Atomics.load(words, I_MAGIC) !== GATE_MAGIC || words[I_VERSION] !== GATE_VERSION) {
      closeSegment(buffer);
      throw new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `${name} is not a flow gate of version ${GATE_VERSION}`);
    }
    return new FlowGate(name, buffer, false);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSegment(this.#buffer);
    if (this.#owner) {
      try {
        unlinkSegment(this.name);
      } catch {
        // already gone
      }
    }
  }

  // ---- the orderbook ----
  get written(): number {
    return Atomics.load(this.#words, I_WRITTEN);
  }
  get seen(): number {
    return Atomics.load(this.#words, I_SEEN);
  }
  /** Market time of the last book written, epoch µs. */
  get marketUs(): number {
    return this.#time[F_MARKET_US] ?? 0;
  }
  noteSeen(sequence: number): void {
    Atomics.store(this.#words, I_SEEN, sequence);
  }
  publishWritten(sequence: number, epochSeconds: number): void {
    this.#time[F_MARKET_US] = Math.round(epochSeconds * 1e6);
    Atomics.store(this.#words, I_WRITTEN, sequence);
  }
  /** True when the book of the next message may be written (see the protocol). */
  mayWrite(): boolean {
    const words = this.#words;
    if (Atomics.load(words, I_DONE) < Atomics.load(words, I_SEEN)) return false;
    return Atomics.load(words, I_RESTING) === 0 || Atomics.load(words, I_MATCHED) >= Atomics.load(words, I_WRITTEN);
  }
  /** Wait (spin, then sleep in 50 µs steps) until mayWrite(), at most `timeoutMs`; false on timeout. */
  waitToWrite(timeoutMs: number): boolean {
    return waitFor(() => this.mayWrite(), timeoutMs);
  }

  // ---- the strategy ----
  get done(): number {
    return Atomics.load(this.#words, I_DONE);
  }
  publishDone(sequence: number): void {
    Atomics.store(this.#words, I_DONE, sequence);
  }
  publishCurrent(sequence: number): void {
    Atomics.store(this.#words, I_CURRENT, sequence);
  }
  /** The order manager may handle an order now: the orderbook has seen the strategy's current message. */
  bookAtCurrent(): boolean {
    return Atomics.load(this.#words, I_SEEN) >= Atomics.load(this.#words, I_CURRENT);
  }
  noteSent(): void {
    Atomics.add(this.#words, I_SENT, 1);
  }
  get sent(): number {
    return Atomics.load(this.#words, I_SENT);
  }
  /** The order manager caught up: every order sent handled, resting orders matched against the current book. */
  orderManagerCaughtUp(): boolean {
    const words = this.#words;
    if (Atomics.load(words, I_REQUESTS) < Atomics.load(words, I_SENT)) return false;
    return Atomics.load(words, I_RESTING) === 0 || Atomics.load(words, I_MATCHED) >= Atomics.load(words, I_WRITTEN);
  }
  /** Reports made by the order manager so far (the strategy must have received them all). */
  get made(): number {
    return Atomics.load(this.#words, I_MADE);
  }

  // ---- the order manager ----
  /** After an order, a cancel or a match: what it made, what rests, and (requests only) one more handled. */
  publishOrderManager(made: number, resting: number, matched: number, handledRequest: boolean): void {
    const words = this.#words;
    Atomics.store(words, I_MADE, made);
    Atomics.store(words, I_MATCHED, matched);
    Atomics.store(words, I_RESTING, resting);
    if (handledRequest) Atomics.add(words, I_REQUESTS, 1);
  }
  get matched(): number {
    return Atomics.load(this.#words, I_MATCHED);
  }
  get resting(): number {
    return Atomics.load(this.#words, I_RESTING);
  }
}

/**
 * Spin on `ready` (at most `spins` looks), then sleep SLEEP_US between looks; false once
 * `timeoutMs` passed, which the spinning respects too (the clock is read every 256 looks).
 */
export function waitFor(ready: () => boolean, timeoutMs: number, spins = SPINS_BEFORE_SLEEP): boolean {
  const deadline = performance.now() + timeoutMs;
  for (let spin = 0; spin < spins; spin++) {
    if (ready()) return true;
    if ((spin & 255) === 255 && performance.now() > deadline) return false;
  }
  while (!ready()) {
    if (performance.now() > deadline) return false;
    nap();
  }
  return true;
}

/** Sleep SLEEP_US (50 µs) on this thread: a waiter's pause that leaves the core to the process it waits for. */
export function nap(): void {
  Atomics.wait(sleeper, 0, 0, SLEEP_US / 1000);
}
