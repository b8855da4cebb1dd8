/**
 * Frames to the browsers: at most one per browser per interval (20 a second by default),
 * each the whole current state plus the history items newer than that browser's cursor.
 *
 * Backpressure. A browser with MAX_FRAMES_IN_FLIGHT frames it has not acked, or whose
 * socket holds more than maxBufferedBytes, is skipped this round: it gets no more until it
 * catches up, and then one frame with everything it missed. So a slow tab skips frames and
 * costs at most its socket's bound; the histories it reads from are bounded rings shared
 * by all tabs; and the number of tabs is capped. The server's memory does not grow with a
 * slow or a numerous audience.
 *
 * Cost. The state is serialized once per interval; a frame's text is built once per
 * distinct cursor (all tabs that are up to date share one) and sent as the same Buffer.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from '../core/log.js';
import type { DashboardModel } from './dashboard-model.js';
import { MAX_FRAMES_IN_FLIGHT, type AckMessage } from './wire.js';

export const DEFAULT_FRAME_INTERVAL_MS = 50;
export const DEFAULT_MAX_CLIENTS = 32;
export const DEFAULT_MAX_BUFFERED_BYTES = 512 * 1024;

export interface BroadcasterOptions {
  model: DashboardModel;
  log: Logger;
  intervalMs?: number;
  maxClients?: number;
  maxBufferedBytes?: number;
}

interface PageClient {
  socket: WebSocket;
  cursor: number;
  /** The model version last sent. */
  version: number;
  inFlight: number;
  reset: boolean;
}

export interface BroadcasterCounters {
  clients: number;
  clientsTotal: number;
  clientsRefused: number;
  framesSent: number;
  framesSkipped: number;
  bytesSent: number;
}

export class Broadcaster {
  /** Changes with every start: a page's cursor from another instance is void. */
  readonly instance = randomBytes(6).toString('hex');
  readonly intervalMs: number;
  readonly maxClients: number;
  readonly maxBufferedBytes: number;
  readonly counters: BroadcasterCounters = { clients: 0, clientsTotal: 0, clientsRefused: 0, framesSent: 0, framesSkipped: 0, bytesSent: 0 };
  readonly #model: DashboardModel;
  readonly #log: Logger;
  readonly #clients = new Set<PageClient>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BroadcasterOptions) {
    this.#model = options.model;
    this.#log = options.log;
    this.intervalMs = options.intervalMs ?? DEFAULT_FRAME_INTERVAL_MS;
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    // the page shows the server's own figures; the model reads them at its next sample
    this.#model.serverStats = { browsers: 0, framesSent: 0, framesSkipped: 0, bytesSent: 0 };
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const client of this.#clients) client.socket.close(1001, 'dashboard stopping');
    this.#clients.clear();
    this.counters.clients = 0;
  }

  /** Whether one more browser may connect. */
  get full(): boolean {
    return this.#clients.size >= this.maxClients;
  }

  /** A new browser; `cursor`/`instance` are what its page last had (0/'' when new). */
  add(socket: WebSocket, cursor: number, instance: string): void {
    const sameInstance = instance === this.instance && cursor > 0 && cursor <= this.#model.counter.last;
    const client: PageClient = { socket, cursor: sameInstance ? cursor : 0, version: -1, inFlight: 0, reset: !sameInstance };
    this.#clients.add(client);
    this.counters.clients = this.#clients.size;
    this.counters.clientsTotal += 1;
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let ack: number | undefined;
      try {
        ack = (JSON.parse(String(data)) as Partial<AckMessage>).ack;
      } catch {
        ack = undefined;
      }
      if (typeof ack === 'number' && Number.isInteger(ack) && ack > 0) client.inFlight = Math.max(0, client.inFlight - ack);
    });
    socket.on('close', () => {
      this.#clients.delete(client);
      this.counters.clients = this.#clients.size;
    });
    socket.on('error', (err) => this.#log.debug('browser socket error', { error: err.message }));
  }

  /** One round: a frame to every browser that has something new and is keeping up. */
  tick(): void {
    const stats = this.#model.serverStats;
    stats.browsers = this.#clients.size;
    stats.framesSent = this.counters.framesSent;
    stats.framesSkipped = this.counters.framesSkipped;
    stats.bytesSent = this.counters.bytesSent;
    if (this.#clients.size === 0) return;
    const model = this.#model;
    const last = model.counter.last;
    let stateJson: string | undefined;
    const frames = new Map<string, Buffer>();
    for (const client of this.#clients) {
      if (client.version === model.version && client.cursor === last && !client.reset) continue;
      if (client.inFlight >= MAX_FRAMES_IN_FLIGHT || client.socket.bufferedAmount > this.maxBufferedBytes) {
        this.counters.framesSkipped += 1;
        continue;
      }
      const reset = client.reset || !this.#covers(client.cursor);
      const from = reset ? 0 : client.cursor;
      const key = `${reset ? 'r' : 'd'}${from}`;
      let frame = frames.get(key);
      if (frame === undefined) {
        stateJson ??= JSON.stringify(model.state);
        frame = Buffer.from(
          `{"type":"frame","instance":"${this.instance}","cursor":${last},"reset":${reset},"state":${stateJson}` +
            `,"points":${JSON.stringify(model.points.since(from))},"fills":${JSON.stringify(model.fills.since(from))}` +
            `,"equity":${JSON.stringify(model.equity.since(from))},"news":${JSON.stringify(model.news.since(from))}` +
            `,"rejects":${JSON.stringify(model.rejects.since(from))}}`,
        );
        frames.set(key, frame);
      }
      client.socket.send(frame, { binary: false });
      client.inFlight += 1;
      client.cursor = last;
      client.version = model.version;
      client.reset = false;
      this.counters.framesSent += 1;
      this.counters.bytesSent += frame.length;
    }
  }

  #covers(cursor: number): boolean {
    const model = this.#model;
    return model.points.covers(cursor) && model.fills.covers(cursor) && model.equity.covers(cursor) && model.news.covers(cursor) && model.rejects.covers(cursor);
  }
}
