/**
 * One connection's outbound side: frames are copied into a staging buffer as they are
 * sent and written to the socket once per event-loop turn (one write for the whole
 * batch), and the connection's backlog is bounded.
 *
 *   send ──copy──► queue (staging buffer) ──one write per turn──► socket ──► kernel
 *                        ▲ backlog = queued bytes + socket.writableLength ≤ maxBacklogBytes
 *
 * Buffer ownership: Node hands a written chunk to the kernel at once when it can (the
 * socket's `writableLength` is back to 0 right after `write()`), and the staging buffer is
 * reused. When the kernel is full, the socket keeps a reference to the chunk until its
 * write callback; the staging buffer then belongs to the socket ("in flight"), frames
 * collect in a second buffer, and nothing more is written until the first completes: one
 * write in flight at a time, so two buffers suffice and are swapped, never reallocated.
 *
 * When a frame would push the backlog over the bound:
 * - `refuse` policy: the frame is dropped and `dropped` returned (the server turns this into
 *   a disconnect of the slow consumer);
 * - `conflate` policy: the connection enters conflation: from then on only the latest frame
 *   per conflation key is kept (frames without a key are dropped), until the socket has
 *   written everything; the kept frames then go out, in the order their keys first
 *   appeared, and normal queueing resumes.
 *
 * Memory per connection is therefore at most 3 × maxBacklogBytes (staging buffer,
 * in-flight buffer, conflation store), however long the peer stops reading.
 *
 * Probation (`conflate` policy only): until a connection has shown that it reads, it is
 * "unproven": it is written at most PROBATION_BYTES at a time, and once backed up it
 * conflates at once instead of queueing. A peer that never reads therefore costs one small
 * in-flight chunk plus the latest frame per key (O(keys), not O(bytes): the store keeps one
 * frame per key). Showing that it reads means the kernel taking PROOF_BYTES from it after
 * it first backed up: more than the kernel's send buffer can grow to on its own (its
 * autotuning completes stuck writes of a peer that reads nothing, for up to tcp_wmem's
 * maximum, 4 MiB by default), and a fraction of a second for a reader at full speed. A
 * proven connection queues up to maxBacklogBytes as before. `demote()` (the server's
 * global outbound budget: "conflate harder") puts a proven connection back on probation,
 * discarding what it has queued and releasing its staging buffers. `onProbation` tells the
 * owner when probation begins and ends: a server holds the socket's kernel send buffer
 * small meanwhile (send-buffer.ts), as the kernel's own buffer would otherwise grow to
 * megabytes for a peer that reads nothing.
 */
import { readFileSync } from 'node:fs';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import type { ConflationKey, SendStatus } from './send-status.js';

/** What the queue needs from a socket (a net.Socket fits; tests pass a fake). */
export interface OutboundSink {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  readonly writableLength: number;
}

/** Counters the queue updates in place, in an object its owner shares. */
export interface OutboundCounters {
  /** Frames accepted for writing (a conflated frame counts when it is finally queued). */
  framesOut: number;
  bytesOut: number;
  /** Frames refused: backlog full, or no conflation key while conflating. */
  framesDropped: number;
  /** Frames replaced by a newer frame with the same key while conflating. */
  framesConflated: number;
}

export type OutboundPolicy = 'refuse' | 'conflate';

/** Smallest backlog bound a server or client accepts: below this, ordinary bursts would trip the policy. */
export const MIN_BACKLOG_BYTES = 1024;

/**
 * An unproven connection (conflate policy) is written at most this much at a time, so a
 * peer that never reads strands at most about this much in the socket's hands.
 */
export const PROBATION_BYTES = 32 * 1024;

/**
 * What the kernel must take from a connection after it first backed up for it to count as
 * reading: twice the largest send buffer the kernel grows to by itself (tcp_wmem's maximum;
 * 4 MiB if unreadable), as a peer that reads nothing still sees its stuck writes complete
 * while that buffer grows.
 */
export const PROOF_BYTES = 2 * kernelSendBufferMaxBytes();

/**
 * The proof while the owner holds the socket's kernel send buffer small (onProbation returned
 * true: SO_SNDBUF of PROBATION_BYTES, which the kernel doubles). A peer that reads nothing can
 * then take at most that buffer plus its own receive buffer, which does not grow without
 * reads (tcp_rmem's default, 128 KiB): a few hundred KiB, so 1 MiB shows reading. The full
 * PROOF_BYTES took seconds at --rate max, where a reader is conflated between writes: with
 * 1,000 and 10,000 symbols the orderbook got ~5 k updates/s instead of ~500 k.
 */
export const HELD_PROOF_BYTES = 1024 * 1024;

function kernelSendBufferMaxBytes(): number {
  try {
    const max = Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]);
    if (Number.isFinite(max) && max > 0) return max;
  } catch {
    // not Linux, or no /proc: the Linux default
  }
  return 4 * 1024 * 1024;
}

/** Totals of one conflation episode, reported when it ends. */
export interface ConflationEpisode {
  conflated: number;
  dropped: number;
  /** Latest frames flushed when the connection drained. */
  released: number;
}

export interface OutboundQueueOptions {
  maxBacklogBytes: number;
  policy: OutboundPolicy;
  counters: OutboundCounters;
  /** The queue went from idle to holding frames: call `flush()` at the end of this turn. */
  requestFlush: () => void;
  /** Bytes were handed to the socket (for idle-heartbeat tracking). */
  onWrite?: () => void;
  /** Conflation started (episode undefined) or ended (with its totals). */
  onConflation?: (active: boolean, episode: ConflationEpisode | undefined) => void;
  /**
   * `conflate` policy: probation began (true: on attach and on demote()) or ended (the peer
   * proved it reads). Returns true when the owner now holds the socket's kernel send buffer
   * small (the proof is then HELD_PROOF_BYTES, else PROOF_BYTES).
   */
  onProbation?: (probation: boolean) => boolean | void;
}

interface ConflationSlot {
  buffer: Buffer;
  length: number;
}

/**
 * A staging buffer is allocated on the first frame queued, not at connect: an idle or
 * never-served connection (the seed's, an attacker's) holds none. It starts at this size
 * and doubles as needed, up to the backlog bound.
 */
const FIRST_STAGING_BYTES = 16 * 1024;
const NO_BYTES = Buffer.alloc(0);

export class OutboundQueue {
  readonly maxBacklogBytes: number;
  readonly policy: OutboundPolicy;
  readonly #counters: OutboundCounters;
  readonly #requestFlush: () => void;
  readonly #onWrite: (() => void) | undefined;
  readonly #onConflation: OutboundQueueOptions['onConflation'];
  readonly #onProbation: OutboundQueueOptions['onProbation'];

  #sink: OutboundSink | undefined;
  #queue: Buffer;
  #queueLength = 0;
  /** The staging buffer the socket still holds (its write has not completed). */
  #inFlight: Buffer | undefined;
  /** The other staging buffer, free for reuse. */
  #spare: Buffer | undefined;
  #flushRequested = false;
  #writesDone = 0;
  /** Frames in the staging buffer (for the counters when demote() discards them). */
  #queuedFrames = 0;
  /** Write size limit and queue bound while unproven: PROBATION_BYTES, or Infinity under `refuse`. */
  readonly #probationBytes: number;
  /** What the kernel must take for a proof: PROOF_BYTES, or HELD_PROOF_BYTES while the send buffer is held. */
  #proofBytes = PROOF_BYTES;
  /** The kernel has taken the proof since the connection first backed up (see Probation above). */
  #proven = false;
  /** The connection has backed up at least once. */
  #backedUp = false;
  /** Bytes the kernel has taken since the connection first backed up (since the last demote()). */
  #takenSinceBackup = 0;
  /** Length of the chunk in flight. */
  #inFlightLength = 0;

  #conflating = false;
  readonly #store = new Map<ConflationKey, ConflationSlot>();
  #storeBytes = 0;
  #episode: ConflationEpisode = { conflated: 0, dropped: 0, released: 0 };

  constructor(options: OutboundQueueOptions) {
    this.maxBacklogBytes = options.maxBacklogBytes;
    this.policy = options.policy;
    this.#counters = options.counters;
    this.#requestFlush = options.requestFlush;
    this.#onWrite = options.onWrite;
    this.#onConflation = options.onConflation;
    this.#onProbation = options.onProbation;
    this.#queue = NO_BYTES;
    this.#probationBytes = options.policy === 'conflate' ? Math.min(PROBATION_BYTES, options.maxBacklogBytes) : Number.POSITIVE_INFINITY;
  }

  /** Has shown that it reads: the kernel took PROOF_BYTES from it since it first backed up (and since the last demote()). */
  get proven(): boolean {
    return this.#proven;
  }

  /** Unproven under the `conflate` policy (there is no probation under `refuse`). */
  get #onProbationNow(): boolean {
    return !this.#proven && this.#probationBytes !== Number.POSITIVE_INFINITY;
  }

  /** Bytes demote() would release now: the staging buffers the socket does not hold. */
  get releasableBytes(): number {
    if (!this.#proven || this.#probationBytes === Number.POSITIVE_INFINITY) return 0;
    return this.#queue.length + (this.#spare?.length ?? 0);
  }

  /**
   * Conflate harder (the server's outbound budget, for a connection far behind): back on
   * probation, the frames queued and not yet handed to the socket are discarded (counted
   * as dropped), the staging buffers released, and, while a write is in flight, only the
   * latest frame per key is kept until it drains. Only under the `conflate` policy (a no-op
   * under `refuse`). Returns the bytes released.
   */
  demote(): number {
    const released = this.releasableBytes;
    if (this.#probationBytes === Number.POSITIVE_INFINITY) return 0;
    if (this.#proven) this.#beginProbation();
    this.#proven = false;
    this.#takenSinceBackup = 0;
    if (this.#inFlight !== undefined && !this.#conflating) this.#startConflation();
    if (this.#queuedFrames > 0) {
      this.#counters.framesOut -= this.#queuedFrames;
      this.#counters.bytesOut -= this.#queueLength;
      this.#counters.framesDropped += this.#queuedFrames;
      this.#episode.dropped += this.#queuedFrames;
    }
    this.#queuedFrames = 0;
    this.#queueLength = 0;
    this.#queue = NO_BYTES;
    this.#spare = undefined;
    return released;
  }

  /** Queued bytes plus bytes the socket has not yet handed to the kernel. */
  get backlogBytes(): number {
    return this.#queueLength + (this.#sink?.writableLength ?? 0);
  }

  /** Bytes this queue holds allocated: both staging buffers and the conflation store (budgets count this). */
  get memoryBytes(): number {
    return this.#queue.length + (this.#inFlight?.length ?? 0) + (this.#spare?.length ?? 0) + this.#storeBytes;
  }

  /** Bytes held as latest-per-key frames while conflating. */
  get conflatedBytes(): number {
    return this.#storeBytes;
  }

  get conflating(): boolean {
    return this.#conflating;
  }

  /** True while the socket holds a chunk it could not write at once (the peer is behind). */
  get backedUp(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Start writing to a (new) connected socket. Anything left from an earlier one is gone. */
  attach(sink: OutboundSink): void {
    this.detach();
    // after finish() the old staging buffer may still belong to the previous socket
    if (this.#queue.length === 0) this.#queue = NO_BYTES;
    this.#sink = sink;
    if (this.#onProbationNow) this.#beginProbation();
  }

  /** The socket is gone: forget everything queued for it. */
  detach(): void {
    this.#sink = undefined;
    this.#queueLength = 0;
    this.#queuedFrames = 0;
    // the socket may still reference the in-flight buffer; let it keep it
    this.#inFlight = undefined;
    this.#flushRequested = false;
    if (this.#conflating) this.#conflating = false;
    this.#store.clear();
    this.#storeBytes = 0;
  }

  /** Queue a complete frame (header included). */
  enqueueFrame(frame: Uint8Array, key?: ConflationKey): SendStatus {
    return this.#accept(frame, 0, frame.length, false, key);
  }

  /** Queue a payload; the 4-byte length header is written here. */
  enqueuePayload(payload: Uint8Array, offset: number, length: number, key?: ConflationKey): SendStatus {
    return this.#accept(payload, offset, length, true, key);
  }

  /** Write everything queued in one socket write, unless a previous write is still in flight. */
  flush(): void {
    this.#flushRequested = false;
    this.#write();
  }

  #write(): void {
    const sink = this.#sink;
    if (sink === undefined || this.#queueLength === 0 || this.#inFlight !== undefined) return;
    const buffer = this.#queue;
    const length = this.#queueLength;
    this.#queueLength = 0;
    this.#queuedFrames = 0;
    sink.write(buffer.subarray(0, length), this.#afterWrite);
    this.#onWrite?.();
    if (sink.writableLength !== 0) {
      // the kernel did not take it all: the socket owns `buffer` until the write completes;
      // the other buffer grows as needed (an unproven peer never needs a large one)
      this.#backedUp = true;
      this.#inFlightLength = length;
      this.#inFlight = buffer;
      // an unproven peer conflates from here on and may never read again: it keeps no
      // second buffer (a proven one reuses it for the next batch)
      this.#queue = this.#onProbationNow ? NO_BYTES : (this.#spare ?? NO_BYTES);
      this.#spare = undefined;
    } else {
      if (this.#backedUp) this.#noteTaken(length);
      if (this.#conflating) this.#endConflation();
    }
  }

  #beginProbation(): void {
    this.#proofBytes = this.#onProbation?.(true) === true ? HELD_PROOF_BYTES : PROOF_BYTES;
  }

  /** The kernel took `bytes` after the connection had backed up: count toward its proof. */
  #noteTaken(bytes: number): void {
    if (this.#proven) return;
    this.#takenSinceBackup += bytes;
    if (this.#takenSinceBackup < this.#proofBytes) return;
    this.#proven = true;
    this.#onProbation?.(false);
  }

  /**
   * Closing: hand everything queued to the socket now, even behind a write in flight (the
   * socket buffers it; it is bounded by the backlog), and stop writing. Frames held for
   * conflation are discarded. Call before `socket.end()`.
   */
  finish(): void {
    const sink = this.#sink;
    if (sink !== undefined && this.#queueLength > 0) {
      this.#queuedFrames = 0;
      sink.write(this.#queue.subarray(0, this.#queueLength), this.#afterWrite);
      this.#onWrite?.();
      // the socket may keep this buffer: never write into it again
      this.#queue = NO_BYTES;
    }
    this.detach();
  }

  /** Writes the kernel has taken so far: it moves while the peer reads, stays while it does not. */
  get writesDone(): number {
    return this.#writesDone;
  }

  #afterWrite = (error?: Error | null): void => {
    // an error ends the connection; its owner detaches us on 'close'
    if (error !== undefined && error !== null) return;
    this.#writesDone++;
    // Callbacks of writes that completed at once arrive later too; only the completion
    // that leaves the socket empty releases the in-flight buffer.
    const sink = this.#sink;
    if (this.#inFlight === undefined || sink === undefined || sink.writableLength !== 0) return;
    this.#spare = this.#inFlight;
    this.#inFlight = undefined;
    this.#noteTaken(this.#inFlightLength);
    if (this.#queueLength > 0) this.#write();
    else if (this.#conflating) this.#endConflation();
  };

  #accept(source: Uint8Array, offset: number, length: number, withHeader: boolean, key: ConflationKey | undefined): SendStatus {
    const sink = this.#sink;
    if (sink === undefined) return 'not-connected';
    const frameBytes = withHeader ? FRAME_HEADER_BYTES + length : length;
    if (this.#conflating) return this.#conflate(source, offset, length, withHeader, frameBytes, key);
    if (this.#onProbationNow && (this.#inFlight !== undefined || this.#queueLength + frameBytes > this.#probationBytes)) {
      // unproven: hand over what is queued (a write is at most about PROBATION_BYTES), and
      // if the peer is backed up, conflate at once rather than queue for it
      this.#write();
      if (this.#inFlight !== undefined) {
        this.#startConflation();
        return this.#conflate(source, offset, length, withHeader, frameBytes, key);
      }
    }
    if (this.#queueLength + sink.writableLength + frameBytes > this.maxBacklogBytes) {
      if (this.policy === 'refuse') {
        this.#counters.framesDropped++;
        return 'dropped';
      }
      this.#startConflation();
      return this.#conflate(source, offset, length, withHeader, frameBytes, key);
    }
    this.#ensureCapacity(this.#queueLength + frameBytes);
    this.#queueLength = copyFrame(source, offset, length, withHeader, this.#queue, this.#queueLength);
    this.#queuedFrames++;
    this.#counters.framesOut++;
    this.#counters.bytesOut += frameBytes;
    if (!this.#flushRequested) {
      this.#flushRequested = true;
      this.#requestFlush();
    }
    return this.#inFlight === undefined ? 'sent' : 'queued';
  }

  #startConflation(): void {
    this.#conflating = true;
    this.#episode = { conflated: 0, dropped: 0, released: 0 };
    this.#onConflation?.(true, undefined);
  }

  #conflate(
    source: Uint8Array,
    offset: number,
    length: number,
    withHeader: boolean,
    frameBytes: number,
    key: ConflationKey | undefined,
  ): SendStatus {
    if (key === undefined) return this.#dropWhileConflating();
    let slot = this.#store.get(key);
    if (slot === undefined) {
      if (this.#storeBytes + frameBytes > this.maxBacklogBytes) return this.#dropWhileConflating();
      slot = { buffer: Buffer.allocUnsafe(frameBytes), length: 0 };
      this.#store.set(key, slot);
      this.#storeBytes += frameBytes;
    } else {
      if (slot.buffer.length < frameBytes) {
        const growth = frameBytes - slot.buffer.length;
        // keep the older frame rather than break the bound
        if (this.#storeBytes + growth > this.maxBacklogBytes) return this.#dropWhileConflating();
        slot.buffer = Buffer.allocUnsafe(frameBytes);
        this.#storeBytes += growth;
      }
      this.#counters.framesConflated++;
      this.#episode.conflated++;
    }
    slot.length = copyFrame(source, offset, length, withHeader, slot.buffer, 0);
    return 'conflated';
  }

  #dropWhileConflating(): SendStatus {
    this.#counters.framesDropped++;
    this.#episode.dropped++;
    return 'dropped';
  }

  /** The socket wrote everything: queue the latest frame of each key and resume normal sending. */
  #endConflation(): void {
    this.#conflating = false;
    // the store holds at most maxBacklogBytes and the queue is empty, so this always fits
    this.#ensureCapacity(this.#storeBytes);
    for (const slot of this.#store.values()) {
      this.#queue.set(slot.buffer.subarray(0, slot.length), this.#queueLength);
      this.#queueLength += slot.length;
      this.#queuedFrames++;
      this.#counters.framesOut++;
      this.#counters.bytesOut += slot.length;
      this.#episode.released++;
    }
    this.#store.clear();
    this.#storeBytes = 0;
    this.#onConflation?.(false, this.#episode);
    if (this.#queueLength > 0) this.flush();
  }

  #ensureCapacity(bytes: number): void {
    if (bytes <= this.#queue.length) return;
    const grown = Buffer.allocUnsafe(Math.min(Math.max(this.#queue.length * 2, bytes, FIRST_STAGING_BYTES), Math.max(this.maxBacklogBytes, bytes)));
    this.#queue.copy(grown, 0, 0, this.#queueLength);
    this.#queue = grown;
  }
}

/** Copy one frame into `target` at `at` (writing the header when asked); returns the new end. */
function copyFrame(source: Uint8Array, offset: number, length: number, withHeader: boolean, target: Buffer, at: number): number {
  let position = at;
  if (withHeader) {
    target.writeUInt32BE(length, position);
    position += FRAME_HEADER_BYTES;
  }
  // TypedArray#set is a plain memcpy, but only of a whole array (Buffer#copy of a range
  // allocates a view in Node 20); a range goes through the view cache below
  target.set(offset === 0 && length === source.length ? source : rangeView(source, offset, length), position);
  return position + length;
}

/*
 * One cached view of a range: a producer that encodes every message into the same scratch
 * buffer (same offset, same length for a fixed layout such as an N-level book) and sends
 * the range, to one client or broadcast to many, copies with no allocation at all. A view
 * is live, so a reused view always shows the scratch buffer's current bytes.
 */
let viewSource: Uint8Array | undefined;
let viewOffset = -1;
let viewLength = -1;
let view: Uint8Array = new Uint8Array(0);

function rangeView(source: Uint8Array, offset: number, length: number): Uint8Array {
  if (source !== viewSource || offset !== viewOffset || length !== viewLength) {
    view = source.subarray(offset, offset + length);
    viewSource = source;
    viewOffset = offset;
    viewLength = length;
  }
  return view;
}
