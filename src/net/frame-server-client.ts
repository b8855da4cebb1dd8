/**
 * One client connection of a FrameServer: its socket, its inbound FrameDecoder, its
 * bounded outbound queue, its heartbeat state and its counters. The application reads
 * frames through the server's `onFrame` and answers with `client.send(...)`.
 *
 * Closing has two speeds: `close(error?)` stops reading frames, sends the error frame if
 * there is an error, flushes, half-closes, and destroys the socket if the peer has not
 * finished within the linger time; `destroy(error?)` drops the socket at once.
 */
import type { Socket } from 'node:net';
import { monotonicMs, monotonicNsFromPerformance } from '../core/clock.js';
import type { TradingError } from '../core/errors.js';
import { FrameDecoder } from '../protocol/framing.js';
import { HeartbeatTracker } from './heartbeat.js';
import { OutboundQueue, PROBATION_BYTES, type ConflationEpisode, type OutboundPolicy } from './outbound-queue.js';
import { limitSendBuffer, releaseSendBuffer, sendBufferLimited, type SendBufferHoldUnavailable } from './send-buffer.js';
import type { ConflationKey, SendStatus } from './send-status.js';

/** Which payload kind the application sends to this client (it decides; we only carry it). */
export type PayloadMode = 'json' | 'binary';

export interface ConnectionCounters {
  framesIn: number;
  /** Raw bytes read from the socket, headers included. */
  bytesIn: number;
  framesOut: number;
  /** Bytes accepted for writing, headers included. */
  bytesOut: number;
  /** Framing errors (oversized or zero length); each closes the connection. */
  badFrames: number;
  framesDropped: number;
  framesConflated: number;
}

export function emptyConnectionCounters(): ConnectionCounters {
  return { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, badFrames: 0, framesDropped: 0, framesConflated: 0 };
}

/** What a client needs from its server. Internal to src/net. */
export interface ClientHost<TContext> {
  readonly maxFrameBytes: number;
  readonly maxBacklogBytes: number;
  readonly policy: OutboundPolicy;
  readonly closeTimeoutMs: number;
  /** TCP keepalive probes after this long idle, ms (0 = off). */
  readonly keepAliveMs: number;
  onFrame(client: FrameServerClient<TContext>, buffer: Buffer, offset: number, length: number): void;
  requestFlush(client: FrameServerClient<TContext>): void;
  /** A framing error on this client's stream. */
  onBadFrame(client: FrameServerClient<TContext>, error: TradingError): void;
  /** The application's frame handler threw. */
  onHandlerError(client: FrameServerClient<TContext>, error: unknown): void;
  /** The backlog bound was hit under the `disconnect` policy. */
  onSlowConsumer(client: FrameServerClient<TContext>): void;
  onConflation(client: FrameServerClient<TContext>, active: boolean, episode: ConflationEpisode | undefined): void;
  /** A client went on probation and its kernel send buffer could not be held (send-buffer.ts says why). */
  onHoldMissed(reason: SendBufferHoldUnavailable): void;
  errorPayload(client: FrameServerClient<TContext>, error: TradingError): Uint8Array;
  onClosed(client: FrameServerClient<TContext>, reason: Error | undefined): void;
  /** Bytes allocated for this client's incomplete inbound frame changed by `delta`. */
  onInboundBytes(client: FrameServerClient<TContext>, delta: number): void;
}

type ConnectionState = 'open' | 'closing' | 'closed';

export class FrameServerClient<TContext = unknown> {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Epoch ms of the accept. */
  readonly connectedAtMs: number;
  readonly counters: ConnectionCounters = emptyConnectionCounters();
  /**
   * monotonicNs() of the socket read that delivered the frames being handled: when a
   * message reached this process, before any decoding (the "order manager receive" hop).
   */
  readNs = 0;
  /** The payload kind the application speaks to this client; starts as JSON (the seed's). */
  mode: PayloadMode = 'json';
  /** A free slot for the application's per-client state. */
  context: TContext | undefined = undefined;
  /**
   * Declare this client dead after this long without data from it, ms (0 = never). Starts
   * at the server's heartbeat.timeoutMs; e.g. left at 0 for the seed's clients, which never
   * send anything, and raised once a client has said hello.
   */
  peerTimeoutMs: number;
  /**
   * Heartbeat this client once it has been quiet this long, ms (0 = never). Starts at the
   * server's heartbeat.intervalMs; the application may lengthen it for a client that needs
   * no more (the gateway's news-only clients under --keep-warm-ms).
   */
  heartbeatIntervalMs = 0;
  /**
   * Write this client's frames before those of the clients without it, whatever the order
   * they were queued in (the gateway sets it for a HELLO asking `priority`: a strategy that
   * trades on the tick itself). Each write wakes its reader, so the first reader of a tick
   * is the first to act on it.
   */
  servedFirst = false;
  /** Heartbeat state; driven by the server's timer. */
  readonly heartbeat: HeartbeatTracker;

  readonly #socket: Socket;
  readonly #host: ClientHost<TContext>;
  readonly #decoder: FrameDecoder;
  readonly #queue: OutboundQueue;
  #state: ConnectionState = 'open';
  #closeReason: Error | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  /** Monotonic ms when the incomplete frame now buffered began arriving (0: none). */
  #partialSinceMs = 0;
  /** Inbound bytes allocated beyond the decoder's initial buffer, as last told to the host. */
  #inboundBytes = 0;
  readonly #baseInboundBytes: number;

  constructor(id: number, socket: Socket, host: ClientHost<TContext>, peerTimeoutMs: number, nowMs: number) {
    this.id = id;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.remotePort = socket.remotePort ?? 0;
    this.connectedAtMs = Date.now();
    this.peerTimeoutMs = peerTimeoutMs;
    this.heartbeat = new HeartbeatTracker(nowMs);
    this.#socket = socket;
    this.#host = host;
    this.#decoder = new FrameDecoder(this.#deliver, { maxFrameBytes: host.maxFrameBytes });
    this.#queue = new OutboundQueue({
      maxBacklogBytes: host.maxBacklogBytes,
      policy: host.policy,
      counters: this.counters,
      requestFlush: () => host.requestFlush(this),
      onWrite: () => this.heartbeat.noteSent(),
      onConflation: (active, episode) => host.onConflation(this, active, episode),
      onProbation: (probation) => {
        if (!probation) {
          releaseSendBuffer(socket);
          return false;
        }
        const hold = limitSendBuffer(socket, PROBATION_BYTES);
        if (hold === 'held') return true;
        host.onHoldMissed(hold);
        return false;
      },
    });
    this.#queue.attach(socket);
    this.#baseInboundBytes = this.#decoder.capacityBytes;
    socket.setNoDelay(true);
    if (host.keepAliveMs > 0) socket.setKeepAlive(true, host.keepAliveMs);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.once('close', this.#onClose);
  }

  /** Open: frames are read and `send` accepts. False once closing has begun. */
  get open(): boolean {
    return this.#state === 'open';
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Queued bytes plus bytes the socket has not yet handed to the kernel. */
  get backlogBytes(): number {
    return this.#queue.backlogBytes;
  }

  /** Bytes allocated for outbound frames: staging buffers and conflation store. */
  get outboundMemoryBytes(): number {
    return this.#queue.memoryBytes;
  }

  /** Bytes allocated for an incomplete inbound frame beyond the fixed per-connection buffer. */
  get inboundBytes(): number {
    return this.#inboundBytes;
  }

  /** Monotonic ms since which an incomplete frame has been arriving; 0 when none is. */
  get partialFrameSinceMs(): number {
    return this.#partialSinceMs;
  }

  /** Writes the kernel has taken (see OutboundQueue.writesDone). */
  get writesDone(): number {
    return this.#queue.writesDone;
  }

  /** For the server's outbound budget: writesDone when last looked at. */
  budgetWritesSeen = -1;
  /** For the server's outbound budget: how long it has held a backlog the kernel took nothing from, ms (outbound-budget.ts). */
  stalledMs = 0;

  /** Has shown it reads (conflate policy: drained a backed-up write since its last demotion). */
  get proven(): boolean {
    return this.#queue.proven;
  }

  /** The outbound budget may conflate it harder: a conflating server's proven client. */
  get demotable(): boolean {
    return this.#queue.policy === 'conflate' && this.#queue.proven;
  }

  /** Bytes demote() would release now. */
  get releasableBytes(): number {
    return this.#queue.releasableBytes;
  }

  /** Conflate harder (OutboundQueue.demote): latest frame per key, queued bytes released. Returns the bytes released. */
  demote(): number {
    return this.#queue.demote();
  }

  /** Its kernel send buffer is held small (on probation, send-buffer.ts); undefined where that cannot be known. */
  get sendBufferHeld(): boolean | undefined {
    return sendBufferLimited(this.#socket);
  }

  /** True while the socket holds bytes the kernel would not take (the peer is not reading them). */
  get backedUp(): boolean {
    return this.#queue.backedUp;
  }

  /** True while conflating (the `conflate` policy and a client that is behind). */
  get conflating(): boolean {
    return this.#queue.conflating;
  }

  /** `host:port` of the peer, for logs. */
  get remote(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  /** Send a complete frame (4-byte header included). Hot path: copies, never throws. */
  send(frame: Uint8Array, conflationKey?: ConflationKey): SendStatus {
    if (this.#state !== 'open') return 'closed';
    return this.#checked(this.#queue.enqueueFrame(frame, conflationKey));
  }

  /** Send a payload; the header is written here. `offset`/`length` select a range of `payload`. */
  sendPayload(payload: Uint8Array, offset = 0, length = payload.length - offset, conflationKey?: ConflationKey): SendStatus {
    if (this.#state !== 'open') return 'closed';
    return this.#checked(this.#queue.enqueuePayload(payload, offset, length, conflationKey));
  }

  /** Write what is queued now rather than at the end of the turn. */
  flush(): void {
    this.#queue.flush();
  }

  /**
   * Stop reading, send an error frame when `error` is given, flush, and half-close. A peer
   * that does not finish within the server's closeTimeoutMs is destroyed. Idempotent.
   */
  close(error?: TradingError): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#closeReason = error;
    this.#decoder.stop();
    if (error !== undefined) {
      // best effort: a peer that is far behind may not have room for it
      const payload = this.#host.errorPayload(this, error);
      this.#queue.enqueuePayload(payload, 0, payload.length);
    }
    this.#queue.finish();
    this.#socket.end();
    this.#lingerTimer = setTimeout(() => this.#socket.destroy(), this.#host.closeTimeoutMs);
  }

  /** Drop the connection at once. Idempotent. */
  destroy(error?: Error): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open') this.#closeReason = error;
    this.#state = 'closing';
    this.#decoder.stop();
    this.#socket.destroy();
  }

  #checked(status: SendStatus): SendStatus {
    if (status === 'dropped' && this.#queue.policy === 'refuse') this.#host.onSlowConsumer(this);
    return status;
  }

  #deliver = (buffer: Buffer, offset: number, length: number): void => {
    this.counters.framesIn++;
    this.#host.onFrame(this, buffer, offset, length);
  };

  #onData = (chunk: Buffer): void => {
    this.readNs = monotonicNsFromPerformance();
    this.counters.bytesIn += chunk.length;
    this.heartbeat.noteReceived();
    // after a close decision, input is read and discarded so the peer can still read our error frame
    if (this.#state !== 'open') return;
    let problem: TradingError | undefined;
    const framesBefore = this.counters.framesIn;
    try {
      problem = this.#decoder.push(chunk);
    } catch (error) {
      this.#host.onHandlerError(this, error);
      return;
    }
    // A started frame has a deadline (the server's frameTimeoutMs): the clock starts when
    // bytes of a frame arrive with none pending, and again whenever a frame completes.
    if (this.#decoder.bufferedBytes === 0) this.#partialSinceMs = 0;
    else if (this.#partialSinceMs === 0 || this.counters.framesIn !== framesBefore) this.#partialSinceMs = monotonicMs();
    this.#noteInbound();
    if (problem !== undefined && this.#state === 'open') {
      this.counters.badFrames++;
      this.#host.onBadFrame(this, problem);
    }
  };

  #onEnd = (): void => {
    // the peer finished sending; Node ends our side too (allowHalfOpen is off)
    if (this.#state === 'open') this.#state = 'closing';
  };

  #onError = (error: Error): void => {
    this.#closeReason ??= error;
  };

  #noteInbound(): void {
    const bytes = Math.max(0, this.#decoder.capacityBytes - this.#baseInboundBytes);
    if (bytes === this.#inboundBytes) return;
    const delta = bytes - this.#inboundBytes;
    this.#inboundBytes = bytes;
    this.#host.onInboundBytes(this, delta);
  }

  #onClose = (): void => {
    this.#state = 'closed';
    this.#partialSinceMs = 0;
    if (this.#inboundBytes !== 0) {
      this.#host.onInboundBytes(this, -this.#inboundBytes);
      this.#inboundBytes = 0;
    }
    if (this.#lingerTimer !== undefined) clearTimeout(this.#lingerTimer);
    this.#decoder.dispose();
    this.#queue.detach();
    this.#socket.off('data', this.#onData);
    this.#host.onClosed(this, this.#closeReason);
  };
}
