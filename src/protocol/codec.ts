/**
 * Message-level codec for one connection, transport agnostic: the network layer hands
 * over frame payloads as (buffer, offset, length) and takes complete frames back.
 *
 * - Every payload's kind is detected on its own: first byte `{` → the seed's JSON, the
 *   binary magic → binary, anything else → E_PAYLOAD_UNKNOWN_KIND. A peer may mix both.
 * - Outbound, a connection starts in JSON (a seed peer understands nothing else). When a
 *   peer sends HELLO with `binary: true` (our clients send it binary-encoded) the
 *   connection's outbound side switches to binary; HELLO with `binary: false` switches
 *   it back. TRADING_SIGNAL and ORDERBOOK_UPDATE have no binary layout and always travel
 *   as JSON, which every decoder accepts on every frame.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, writeFrameHeader } from './framing.js';
import { BinaryDecoder, BinaryEncoder, binaryPayloadLength, checkBinaryMagic, hasBinaryLayout } from './binary-codec.js';
import { JsonDecoder, JsonEncoder, jsonPayloadLength } from './json-codec.js';
import { MessageType } from './messages.js';
import type { Heartbeat, MarketData, Message } from './messages.js';
import { createHeartbeat, createMarketData } from './reusable-messages.js';
import { SymbolInterner } from './symbol-interner.js';

export type PayloadKind = 'json' | 'binary';

/** First byte of every JSON payload. */
export const JSON_FIRST_BYTE = 0x7b;

/**
 * The kind of the payload buffer[offset, offset + length). Throws E_FRAME_EMPTY for an
 * empty payload, E_PROTOCOL_VERSION for a binary payload of another layout version, and
 * E_PAYLOAD_UNKNOWN_KIND for anything else.
 */
export function detectPayloadKind(buffer: Buffer, offset: number, length: number): PayloadKind {
  if (length < 1) throw new TradingError(ErrorCode.FRAME_EMPTY, 'empty payload');
  const first = buffer[offset];
  if (first === JSON_FIRST_BYTE) return 'json';
  checkBinaryMagic(first);
  return 'binary';
}

export interface MessageDecoderOptions {
  /** Where MARKET_DATA of either kind is decoded (default: MAX_BOOK_DEPTH levels per side). */
  marketData?: MarketData;
  /** Where HEARTBEAT of either kind is decoded. */
  heartbeat?: Heartbeat;
  /** Symbol cache for decoded MARKET_DATA of both kinds (share one across connections if you like). */
  interner?: SymbolInterner;
}

/**
 * Decodes frame payloads of either kind. MARKET_DATA and HEARTBEAT come back as the same
 * reusable objects (`marketData`, `heartbeat`) whatever the kind, valid until the next
 * decode: copy what you keep. Every other message is a new object the caller may keep.
 * Bad input throws a TradingError and leaves the decoder usable for the next frame.
 */
export class MessageDecoder {
  readonly marketData: MarketData;
  readonly heartbeat: Heartbeat;
  readonly #json: JsonDecoder;
  readonly #binary: BinaryDecoder;
  #lastKind: PayloadKind = 'json';

  constructor(options: MessageDecoderOptions = {}) {
    this.marketData = options.marketData ?? createMarketData();
    this.heartbeat = options.heartbeat ?? createHeartbeat();
    const targets = { marketData: this.marketData, heartbeat: this.heartbeat, interner: options.interner ?? new SymbolInterner() };
    this.#json = new JsonDecoder(targets);
    this.#binary = new BinaryDecoder(targets);
  }

  /** Kind of the last payload decoded (or attempted). */
  get lastKind(): PayloadKind {
    return this.#lastKind;
  }

  decode(buffer: Buffer, offset: number, length: number): Message {
    const kind = detectPayloadKind(buffer, offset, length);
    this.#lastKind = kind;
    return kind === 'binary' ? this.#binary.decode(buffer, offset, length) : this.#json.decode(buffer, offset, length);
  }
}

export interface MessageEncoderOptions {
  /** Outbound kind to start in (default 'json', as every connection starts). */
  mode?: PayloadKind;
  /** Initial size of the reusable frame buffer (default 4 KiB; it grows when needed). */
  initialBytes?: number;
  /** Largest payload this encoder produces (default 1 MiB, the receivers' default limit). */
  maxFrameBytes?: number;
}

/**
 * Encodes messages as complete frames (4-byte big-endian length + payload) in a given kind,
 * by default the connection's current `mode`. Encoding allocates nothing for MARKET_DATA
 * and HEARTBEAT in binary. MARKET_DATA in JSON is written in place without building its
 * text as a string, and allocates nothing either (measured over a window without a GC,
 * with sent_ns past 2^31) unless a number is unusual, such as one with more than 6
 * decimals, which goes through a string; other JSON messages build one string each.
 */
export class MessageEncoder {
  /** The kind `encode` uses when none is given. */
  mode: PayloadKind;
  readonly maxFrameBytes: number;
  readonly #json = new JsonEncoder();
  readonly #binary = new BinaryEncoder();
  #buffer: Buffer;

  constructor(options: MessageEncoderOptions = {}) {
    this.mode = options.mode ?? 'json';
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const initialBytes = options.initialBytes ?? 4096;
    if (!Number.isInteger(initialBytes) || initialBytes < FRAME_HEADER_BYTES) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `initialBytes must be an integer ≥ ${FRAME_HEADER_BYTES}, got ${initialBytes}`);
    }
    if (!Number.isInteger(this.maxFrameBytes) || this.maxFrameBytes < 1) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `maxFrameBytes must be a positive integer, got ${this.maxFrameBytes}`);
    }
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** The reusable frame buffer `encode` writes into (replaced when it grows). */
  get buffer(): Buffer {
    return this.#buffer;
  }

  /**
   * Follow the peer's wishes: a HELLO sets the outbound kind from its `binary` flag.
   * Returns true when the mode changed. Other messages are ignored.
   */
  observe(message: Message): boolean {
    if (message.type !== MessageType.HELLO) return false;
    const mode: PayloadKind = message.binary ? 'binary' : 'json';
    const changed = mode !== this.mode;
    this.mode = mode;
    return changed;
  }

  /**
   * Encode `message` as one frame at buffer[0, n) and return n. The bytes stay valid until
   * the next encode (copy them, or write them out, before that: socket.write keeps a
   * reference and would see them change). Throws E_MESSAGE_INVALID for a message our
   * decoders would refuse and E_FRAME_TOO_LARGE above maxFrameBytes.
   */
  encode(message: Message, kind: PayloadKind = this.mode): number {
    let written = this.encodeInto(message, this.#buffer, 0, kind);
    if (written === 0) {
      const needed = FRAME_HEADER_BYTES + this.#payloadLength(message, kind);
      this.#buffer = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      written = this.encodeInto(message, this.#buffer, 0, kind);
    }
    return written;
  }

  /**
   * Encode `message` as one frame at target[offset..]. Returns the frame bytes written, or
   * 0 when the target has no room for it (nothing to send; flush or grow and retry).
   */
  encodeInto(message: Message, target: Buffer, offset: number, kind: PayloadKind = this.mode): number {
    const payloadOffset = offset + FRAME_HEADER_BYTES;
    if (payloadOffset > target.length) return 0;
    const payloadBytes =
      kind === 'binary' && hasBinaryLayout(message.type)
        ? this.#binary.encode(message, target, payloadOffset)
        : this.#json.encode(message, target, payloadOffset);
    if (payloadBytes === 0) return 0;
    if (payloadBytes > this.maxFrameBytes) {
      throw new TradingError(ErrorCode.FRAME_TOO_LARGE, `encoded payload of ${payloadBytes} bytes exceeds the maximum of ${this.maxFrameBytes}`);
    }
    writeFrameHeader(target, offset, payloadBytes);
    return FRAME_HEADER_BYTES + payloadBytes;
  }

  #payloadLength(message: Message, kind: PayloadKind): number {
    const bytes = kind === 'binary' && hasBinaryLayout(message.type) ? binaryPayloadLength(message) : jsonPayloadLength(message);
    if (bytes > this.maxFrameBytes) {
      throw new TradingError(ErrorCode.FRAME_TOO_LARGE, `encoded payload of ${bytes} bytes exceeds the maximum of ${this.maxFrameBytes}`);
    }
    return bytes;
  }
}

/**
 * One connection's codec: a decoder, and an encoder whose mode follows the peer's HELLO.
 * `receive` decodes a payload and applies it; `send` encodes in the current mode.
 */
export class ConnectionCodec {
  readonly decoder: MessageDecoder;
  readonly encoder: MessageEncoder;

  constructor(options: MessageDecoderOptions & MessageEncoderOptions = {}) {
    this.decoder = new MessageDecoder(options);
    this.encoder = new MessageEncoder(options);
  }

  /** The kind this connection sends. */
  get mode(): PayloadKind {
    return this.encoder.mode;
  }

  receive(buffer: Buffer, offset: number, length: number): Message {
    const message = this.decoder.decode(buffer, offset, length);
    if (message.type === MessageType.HELLO) this.encoder.observe(message);
    return message;
  }

  /** Encode into the encoder's reusable buffer (see MessageEncoder.encode); returns frame bytes. */
  send(message: Message): number {
    return this.encoder.encode(message);
  }
}
