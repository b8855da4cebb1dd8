/**
 * Publishes records into a JetStream stream in order, each exactly once, across lost
 * connections, server restarts and lost acknowledgements.
 *
 * - Every record has an id (the stream's `Nats-Msg-Id`): the server drops a second copy
 *   of an id it holds within the stream's duplicate window.
 * - Order: each publish also says which id must be the stream's last before it
 *   (`Nats-Expected-Last-Msg-Id`, the previous record's). The server refuses a record whose
 *   predecessor is missing, so a record lost on a dying connection can never be overtaken
 *   by the ones after it: they are refused too, and resent after it.
 * - A window of publishes is in flight at once (acks are awaited together); the first
 *   failure ends the window. Then the publisher resynchronises: it reads the id of the
 *   stream's last message, drops every queued record up to it (stored after all: the ack
 *   was lost) and goes on from the next one. The same resynchronisation runs at start, so a
 *   restarted writer continues where the stream ends (the `backlog` hook lets it supply,
 *   from its own record, what the stream is missing).
 * - Memory: at most `maxQueued` records wait; past that the queue is dropped and the
 *   `onOverflow` hook decides (the fill mirror then reloads them from the trade log).
 *
 * One writer per stream: a second writer would break the chain (its records would be
 * refused, and resynchronising would skip ours).
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { BusConnection } from './bus-connection.js';

export interface StreamRecord {
  id: string;
  subject: string;
  data: Uint8Array;
}

export interface OrderedPublisherOptions {
  connection: BusConnection;
  stream: Pick<StreamConfig, 'name' | 'subjects'> & Partial<StreamConfig>;
  log: Logger;
  /** Publishes in flight at once (default 128). */
  window?: number;
  /** Records that may wait; beyond, onOverflow (default 100,000). */
  maxQueued?: number;
  /** Ack wait per publish, ms (default 2000). */
  ackTimeoutMs?: number;
  /**
   * At every resynchronisation: records the stream should hold before the queued ones,
   * given the id of its last message (undefined: empty stream), and whether the stream lost
   * records it had acknowledged (its last id is neither the last acknowledged one nor a
   * queued one: a server that crashed before its store synced). Returned in order.
   */
  backlog?: (streamLastId: string | undefined, lostAcknowledged: boolean) => StreamRecord[];
  /** The queue overflowed and was dropped (`dropped` records). */
  onOverflow?: (dropped: number) => void;
}

export interface OrderedPublisherCounters {
  published: number;
  /** Records the backlog hook supplied at resynchronisations (what the stream missed). */
  backlog: number;
  /** Resynchronisations that found the stream without records it had acknowledged. */
  storeLosses: number;
  duplicates: number;
  failures: number;
  resyncs: number;
  overflows: number;
}

const NANOS_PER_MS = 1_000_000;
/** The stream's duplicate window: resends within it are dropped by id. */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

export class OrderedPublisher {
  readonly #options: OrderedPublisherOptions;
  readonly #log: Logger;
  readonly #window: number;
  readonly #maxQueued: number;
  readonly #ackTimeoutMs: number;
  #queue: StreamRecord[] = [];
  #lastId: string | undefined;
  #synced = false;
  #closed = false;
  #inFlight = false;
  #wake: () => void = () => undefined;
  #pumping: Promise<void> | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  #retryDelayMs = RETRY_MIN_MS;
  #idleWaiters: (() => void)[] = [];
  readonly counters: OrderedPublisherCounters = { published: 0, backlog: 0, storeLosses: 0, duplicates: 0, failures: 0, resyncs: 0, overflows: 0 };

  constructor(options: OrderedPublisherOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#window = options.window ?? 128;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 2_000;
  }

  /** Records waiting (not yet acknowledged by the stream). */
  get queued(): number {
    return this.#queue.length;
  }

  /** The id of the oldest record waiting, if any. */
  get firstQueuedId(): string | undefined {
    return this.#queue[0]?.id;
  }

  /** The id of the stream's last message as far as we know. */
  get lastId(): string | undefined {
    return this.#lastId;
  }

  /** Start publishing (the connection may still be down; it waits). */
  start(): void {
    this.#pumping ??= this.#pump();
  }

  /** Queue one record (its data is kept: pass a copy). */
  push(record: StreamRecord): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.#maxQueued && !this.#inFlight) {
      const dropped = this.#queue.length;
      this.#queue = [];
      this.#synced = false;
      this.counters.overflows++;
      this.#log.error('stream publisher queue full: dropped from memory, to be reloaded at the next resync', { stream: this.#options.stream.name, dropped });
      this.#options.onOverflow?.(dropped);
    }
    this.#queue.push(record);
    this.#wake();
  }

  /** Resolves once every queued record is in the stream (or after timeoutMs: false). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#queue.length === 0 && this.#synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    await this.#pumping;
  }

  async #pump(): Promise<void> {
    while (!this.#closed) {
      if (!this.#options.connection.connected) {
        await this.#sleep(RETRY_MIN_MS);
        continue;
      }
      try {
        if (!this.#synced) await this.#resync();
        if (this.#queue.length === 0) {
          for (const waiter of this.#idleWaiters.splice(0)) waiter();
          await this.#waitForWork();
          continue;
        }
        await this.#sendWindow();
        this.#retryDelayMs = RETRY_MIN_MS;
      } catch (err) {
        this.counters.failures++;
        this.#synced = false;
        if (this.counters.failures <= 10 || this.counters.failures % 100 === 0) {
          this.#log.warn('stream publish interrupted; will resynchronise', { stream: this.#options.stream.name, error: describeError(err), queued: this.#queue.length });
        }
        await this.#sleep(this.#retryDelayMs);
        this.#retryDelayMs = Math.min(RETRY_MAX_MS, this.#retryDelayMs * 2);
      }
    }
  }

  async #sendWindow(): Promise<void> {
    const js = this.#js;
    if (js === undefined) throw new TradingError(ErrorCode.BUS_STREAM, 'not synchronised');
    const count = Math.min(this.#window, this.#queue.length);
    const pending = [];
    let previous = this.#lastId;
    for (let i = 0; i < count; i++) {
      const record = this.#queue[i] as StreamRecord;
      pending.push(
        js.publish(record.subject, record.data, {
          msgID: record.id,
          timeout: this.#ackTimeoutMs,
          ...(previous === undefined ? {} : { expect: { lastMsgID: previous } }),
        }),
      );
      previous = record.id;
    }
    this.#inFlight = true;
    const results = await Promise.allSettled(pending);
    this.#inFlight = false;
    let stored = 0;
    for (const result of results) {
      if (result.status !== 'fulfilled') break;
      if (result.value.duplicate) this.counters.duplicates++;
      stored++;
    }
    if (stored > 0) {
      this.#lastId = (this.#queue[stored - 1] as StreamRecord).id;
      this.#queue.splice(0, stored);
      this.counters.published += stored;
    }
    const failed = results[stored];
    if (failed !== undefined && failed.status === 'rejected') throw failed.reason;
  }

  /** Ensure the stream, read its last id, take the backlog, drop what it already holds. */
  async #resync(): Promise<void> {
    const nc = this.#options.connection.nats;
    this.#jsm ??= await jetstreamManager(nc, { timeout: this.#ackTimeoutMs });
    this.#js ??= jetstream(nc, { timeout: this.#ackTimeoutMs });
    const jsm = this.#jsm;
    const config = this.#options.stream;
    let info;
    try {
      info = await jsm.streams.info(config.name);
    } catch (err) {
      if (!/stream not found/i.test(describeError(err))) throw err;
      info = await jsm.streams.add({ duplicate_window: DUPLICATE_WINDOW_MS * NANOS_PER_MS, ...config });
      this.#log.info('stream created', { stream: config.name, subjects: config.subjects.join(',') });
    }
    let lastId: string | undefined;
    const lastSequence = info.state.last_seq;
    if (info.state.messages > 0 && lastSequence > 0) {
      const last = await jsm.streams.getMessage(config.name, { seq: lastSequence });
      lastId = last?.header?.get('Nats-Msg-Id') || undefined;
      if (lastId === undefined) {
        throw new TradingError(ErrorCode.BUS_STREAM, `stream ${config.name}: its last message (sequence ${lastSequence}) has no Nats-Msg-Id; another writer uses it`);
      }
    }
    const acknowledged = this.#lastId;
    const lost = acknowledged !== undefined && lastId !== acknowledged && !this.#queue.some((record) => record.id === lastId);
    if (lost) this.counters.storeLosses++;
    if (lost) this.#log.warn('the stream lost records it had acknowledged', { stream: config.name, streamLast: lastId ?? '(empty)', acknowledged });
    const backlog = this.#options.backlog?.(lastId, lost) ?? [];
    if (backlog.length > 0) this.#queue = backlog.concat(this.#queue);
    this.counters.backlog += backlog.length;
    if (lastId !== undefined) {
      const index = this.#queue.findIndex((record) => record.id === lastId);
      if (index >= 0) this.#queue.splice(0, index + 1);
    }
    this.#lastId = lastId;
    this.#synced = true;
    this.counters.resyncs++;
    this.#log.info('stream synchronised', { stream: config.name, lastId: lastId ?? '(empty)', lastSequence, fromBacklog: backlog.length, queued: this.#queue.length });
  }

  #waitForWork(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = () => undefined;
        resolve();
      };
      if (this.#closed || this.#queue.length > 0) this.#wake();
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = () => undefined;
        done();
      };
    });
  }
}
