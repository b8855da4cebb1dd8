/**
 * A gateway whose market is a recording: `trading gateway --replay FILE [--speed 1|10|max]
 * [--loop]`. Clients see what they would see from a live gateway: the same framing, JSON
 * until they say a binary HELLO, heartbeats when idle.
 *
 * - Each recorded payload goes out exactly as recorded to a client that speaks its kind
 *   (frame for frame the recorded stream); a client of the other kind gets it transcoded
 *   (decoded and encoded again). Recorded SHUTDOWN frames are not replayed: the replay says
 *   its own at the end.
 * - Speed s: frame i leaves (t_i - t_0) / s after the replay began, t being the recorded
 *   receive time. `max`: as fast as the slowest client takes it; no frame is ever dropped
 *   or conflated (a replay is a record of the market, not a live feed to thin out): the pump
 *   waits while any client's backlog is above a high-water mark.
 * - It starts at once, or once `waitForClients` clients are connected and `waitForHellos`
 *   of them said HELLO (a backtest waits for its orderbook and strategy).
 * - At the end: with `loop`, from the start again; without, it stays up (idle clients get
 *   heartbeats) and `finished` resolves, so a backtest knows the data is all out.
 * - Sessions: the live gateway's policy (session-policy.ts) and TLS. It refuses to listen
 *   beyond loopback without credentials unless --insecure (E_INSECURE_BIND); a HELLO that
 *   claims an identity must prove it (E_AUTH_FAILED); a client the policy does not take
 *   anonymously (--no-anonymous, or not on loopback) gets nothing until its HELLO is
 *   accepted, and is closed after 5 s without one. Only admitted clients count for
 *   `waitForClients` / `waitForHellos`.
 */
import { monotonicMs, monotonicNs } from '../core/clock.js';
import { ErrorCode, TradingError, describeError, isTradingError } from '../core/errors.js';
import type { LogFields, Logger } from '../core/log.js';
import type { Component } from '../core/runtime.js';
import { FrameServer } from '../net/frame-server.js';
import type { FrameServerClient } from '../net/frame-server-client.js';
import { MessageDecoder, MessageEncoder, JSON_FIRST_BYTE } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { MessageType, type Message } from '../protocol/messages.js';
import type { Recording } from '../protocol/recording-reader.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { SessionPolicy } from '../session/session-policy.js';
import { GatewayAdmission, type AdmissionState } from './gateway-admission.js';
import { remove } from './client-lists.js';
import { openGatewayMetrics, publishServerMetrics, type GatewayMetrics } from './gateway-metrics.js';
import { GATEWAY_HEARTBEAT_INTERVAL_MS } from './gateway.js';

export type ReplaySpeed = number | 'max';

export interface ReplayGatewayOptions {
  host: string;
  port: number;
  recording: Recording;
  speed: ReplaySpeed;
  loop: boolean;
  waitForClients: number;
  waitForHellos: number;
  maxBacklogBytes: number;
  maxFrameBytes: number;
  log: Logger;
  /** Who may connect (default: anonymous clients from loopback, as the live gateway). */
  policy?: SessionPolicy;
  /** Serve over TLS with this material; plain TCP when undefined. */
  tls?: TlsMaterial | undefined;
  /** Publish the gateway's counters segment named after this book segment name (as the live gateway does). */
  metricsShm?: string;
}

/** Most frames in one max-speed turn, so the loop still serves I/O and timers. */
const MAX_FRAMES_PER_TURN = 4096;
/** Longest sleep of the paced pump, ms (a far frame is waited for in steps). */
const MAX_SLEEP_MS = 100;

/** Only admitted clients (admission.admitted) are sent the replay. */
interface ClientState extends AdmissionState {
  /** Its HELLO was accepted (counts for waitForHellos). */
  hello: boolean;
  /** False when its HELLO asked for no MARKET_DATA (the dashboard's news feed). */
  marketData: boolean;
}

export class ReplayGateway implements Component {
  readonly options: ReplayGatewayOptions;
  readonly #recording: Recording;
  readonly #server: FrameServer<ClientState>;
  readonly #policy: SessionPolicy;
  readonly #admission: GatewayAdmission<ClientState>;
  /** Admitted clients: those the replay goes to. */
  readonly #clients: FrameServerClient<ClientState>[] = [];
  readonly #decoder = new MessageDecoder();
  readonly #transcodeDecoder = new MessageDecoder();
  readonly #encoders = { json: new MessageEncoder({ mode: 'json' }), binary: new MessageEncoder({ mode: 'binary' }) };
  readonly #highWaterBytes: number;
  #frame: Buffer = Buffer.allocUnsafe(64 * 1024);
  #next = 0;
  #loops = 0;
  #framesSent = 0;
  #transcoded = 0;
  #metrics: GatewayMetrics | undefined;
  #started = false;
  #running = false;
  #startedNs = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #finish: () => void = () => undefined;
  /** Resolves when the last frame went out (never, with loop). */
  readonly finished: Promise<void>;

  constructor(options: ReplayGatewayOptions) {
    this.options = options;
    this.#recording = options.recording;
    this.#highWaterBytes = Math.max(64 * 1024, Math.floor(options.maxBacklogBytes / 4));
    this.finished = new Promise((resolve) => {
      this.#finish = resolve;
    });
    this.#policy = options.policy ?? new SessionPolicy();
    this.#admission = new GatewayAdmission<ClientState>({
      policy: this.#policy,
      newState: () => ({ hello: false, marketData: true, admitted: false, helloTimer: undefined }),
      // a copy: the encoder's buffer is reused by the next frame
      jsonFrame: (hello) => {
        const json = this.#encoders.json;
        return Buffer.from(json.buffer.subarray(0, json.encode(hello)));
      },
      admitted: (client, hello) => {
        if (hello !== undefined && client.context !== undefined) {
          client.context.hello = true;
          client.context.marketData = hello.marketData !== false;
        }
        if (!this.#clients.includes(client)) this.#clients.push(client);
        this.#maybeBegin();
      },
      removed: (client) => remove(this.#clients, client),
      log: options.log,
    });
    this.#server = new FrameServer<ClientState>({
      tls: options.tls,
      onFrame: this.#onFrame,
      onConnect: (client) => this.#admission.connected(client),
      onDisconnect: (client) => this.#admission.disconnected(client),
      maxFrameBytes: options.maxFrameBytes,
      maxBacklogBytes: options.maxBacklogBytes,
      slowConsumerPolicy: 'disconnect',
      heartbeat: { intervalMs: GATEWAY_HEARTBEAT_INTERVAL_MS, timeoutMs: 0, payload: (client) => this.#heartbeat(client.mode) },
      log: options.log,
    });
  }

  get port(): number {
    return this.#server.address?.port ?? 0;
  }

  async start(): Promise<LogFields> {
    this.#metrics = openGatewayMetrics(this.options.metricsShm, (w) => this.#publishMetrics(w), this.options.log);
    this.#policy.checkBind(this.options.host, 'gateway');
    const address = await this.#server.listen(this.options.port, this.options.host);
    this.#running = true;
    const recording = this.#recording;
    this.options.log.info('replaying', {
      file: recording.path,
      frames: recording.frameCount,
      seconds: Math.round(recording.durationNs / 1e6) / 1000,
      speed: this.options.speed,
      loop: this.options.loop,
      damaged: recording.damage === undefined ? undefined : `${recording.damage.reason} at byte ${recording.damage.offset}`,
    });
    this.#maybeBegin();
    return {
      port: address.port,
      host: address.host,
      frames: recording.frameCount,
      speed: String(this.options.speed),
      tls: this.#server.tls,
      authenticated: this.#policy.credentials !== undefined,
      anonymous: this.#policy.anonymous,
    };
  }

  async stop(): Promise<void> {
    if (this.#running) {
      this.#running = false;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      if (this.#immediate !== undefined) clearImmediate(this.#immediate);
      for (const client of this.#clients) {
        const bytes = this.#encoders[client.mode].encode({ type: MessageType.SHUTDOWN, reason: 'replay stopping' });
        client.send(this.#encoders[client.mode].buffer.subarray(0, bytes));
      }
    }
    await this.#server.close();
    this.#metrics?.close();
  }

  /** Copy the counters into the counters segment (every publish interval). */
  #publishMetrics(w: GatewayMetrics): void {
    const server = this.#server.counters();
    publishServerMetrics(w, server);
    w.set('frames_replayed', this.#framesSent);
    w.set('frames_transcoded', this.#transcoded);
    w.set('replay_loops', this.#loops);
    let binary = 0;
    for (const client of this.#clients) if (client.mode === 'binary') binary++;
    w.set('binary_clients', binary);
    w.set('slow_consumer_events', server.slowConsumerDisconnects);
    w.set('bad_frames', server.badFrames);
  }

  counters(): Record<string, number> {
    const server = this.#server.counters();
    return {
      frames_replayed: this.#framesSent,
      frames_total: this.#recording.frameCount,
      frames_transcoded: this.#transcoded,
      loops: this.#loops,
      clients: server.clientsConnected,
      bytes_sent: server.bytesOut,
      slow_consumer_events: server.slowConsumerDisconnects,
    };
  }

  #maybeBegin(): void {
    if (this.#started || !this.#running) return;
    if (this.#clients.length < this.options.waitForClients) return;
    let hellos = 0;
    for (const client of this.#clients) if (client.context?.hello === true) hellos += 1;
    if (hellos < this.options.waitForHellos) return;
    this.#started = true;
    this.#startedNs = monotonicNs();
    this.options.log.info('replay started', { clients: this.#clients.length });
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    if (delayMs <= 0) this.#immediate = setImmediate(this.#pump);
    else this.#timer = setTimeout(this.#pump, Math.min(delayMs, MAX_SLEEP_MS));
  }

  #pump = (): void => {
    this.#timer = undefined;
    this.#immediate = undefined;
    if (!this.#running) return;
    const recording = this.#recording;
    const speed = this.options.speed;
    let sent = 0;
    const elapsedNs = speed === 'max' ? 0 : (monotonicNs() - this.#startedNs) * speed;
    const firstNs = recording.receiveNs[0] ?? 0;
    while (this.#next < recording.frameCount && sent < MAX_FRAMES_PER_TURN) {
      if (speed === 'max') {
        if (!this.#clientsCanTakeMore()) {
          this.#timer = setTimeout(this.#pump, 1);
          return;
        }
      } else {
        const dueNs = (recording.receiveNs[this.#next] ?? 0) - firstNs;
        if (dueNs > elapsedNs) {
          this.#schedule((dueNs - elapsedNs) / speed / 1e6);
          return;
        }
      }
      this.#send(this.#next);
      this.#next += 1;
      sent += 1;
    }
    if (this.#next < recording.frameCount) {
      this.#schedule(0);
      return;
    }
    if (this.options.loop && recording.frameCount > 0) {
      this.#loops += 1;
      this.#next = 0;
      this.#startedNs = monotonicNs();
      this.#schedule(0);
      return;
    }
    this.options.log.info('replay finished', { frames: this.#framesSent, atMs: Math.round(monotonicMs()) });
    this.#finish();
  };

  #clientsCanTakeMore(): boolean {
    for (const client of this.#clients) if (client.open && client.backlogBytes >= this.#highWaterBytes) return false;
    return true;
  }

  /** Frame `index` to every client: verbatim to its kind, transcoded to the other. */
  #send(index: number): void {
    const recording = this.#recording;
    const offset = recording.offsets[index] ?? 0;
    const length = recording.lengths[index] ?? 0;
    const bytes = recording.bytes;
    if (length === 0) return;
    const kind = bytes[offset] === JSON_FIRST_BYTE ? 'json' : 'binary';
    const type = this.#typeOf(bytes, offset, length);
    if (type === MessageType.SHUTDOWN) return;
    let verbatim: Uint8Array | undefined;
    let transcoded: Uint8Array | undefined;
    for (const client of this.#clients) {
      if (type === MessageType.MARKET_DATA && client.context?.marketData === false) continue;
      if (client.mode === kind) {
        verbatim ??= this.#framed(bytes, offset, length);
        client.send(verbatim);
      } else {
        transcoded ??= this.#transcode(bytes, offset, length, client.mode);
        if (transcoded !== undefined) client.send(transcoded);
      }
    }
    this.#framesSent += 1;
  }

  /** The recorded frame's message type, or -1 if it does not decode. */
  #typeOf(bytes: Buffer, offset: number, length: number): number {
    try {
      return this.#decoder.decode(bytes, offset, length).type;
    } catch {
      return -1; // served as recorded: what a client makes of it is its business
    }
  }

  #framed(bytes: Buffer, offset: number, length: number): Uint8Array {
    if (this.#frame.length < length + FRAME_HEADER_BYTES) this.#frame = Buffer.allocUnsafe(2 * (length + FRAME_HEADER_BYTES));
    this.#frame.writeUInt32BE(length, 0);
    bytes.copy(this.#frame, FRAME_HEADER_BYTES, offset, offset + length);
    return this.#frame.subarray(0, length + FRAME_HEADER_BYTES);
  }

  #transcode(bytes: Buffer, offset: number, length: number, mode: 'json' | 'binary'): Uint8Array | undefined {
    let message: Message;
    try {
      message = this.#transcodeDecoder.decode(bytes, offset, length);
    } catch {
      return undefined;
    }
    this.#transcoded += 1;
    const encoder = this.#encoders[mode];
    const size = encoder.encode(message);
    return encoder.buffer.subarray(0, size);
  }

  #onFrame = (client: FrameServerClient<ClientState>, buffer: Buffer, offset: number, length: number): void => {
    let message: Message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (err) {
      const error = isTradingError(err) ? err : new TradingError(ErrorCode.PAYLOAD_MALFORMED, describeError(err));
      client.close(error);
      return;
    }
    if (message.type === MessageType.HELLO) this.#admission.hello(client, message);
  };

  #heartbeat(mode: 'json' | 'binary'): Uint8Array {
    const encoder = this.#encoders[mode];
    const bytes = encoder.encode({ type: MessageType.HEARTBEAT, timestamp: Date.now() / 1000, sentNs: monotonicNs() });
    return Buffer.from(encoder.buffer.subarray(FRAME_HEADER_BYTES, bytes));
  }
}
