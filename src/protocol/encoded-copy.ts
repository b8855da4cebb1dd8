/**
 * Encode a message once and keep its own copy of the bytes: for frames sent again and
 * again (a heartbeat, a HELLO) or kept past the next encode (the encoder's buffer is
 * reused by it). Control path only: each call allocates the copy.
 */
import type { MessageEncoder, PayloadKind } from './codec.js';
import { FRAME_HEADER_BYTES } from './framing.js';
import type { Message } from './messages.js';

/** The whole frame, length header included. */
export function encodeFrameCopy(encoder: MessageEncoder, message: Message, kind?: PayloadKind): Buffer {
  const bytes = encoder.encode(message, kind);
  return Buffer.from(encoder.buffer.subarray(0, bytes));
}

/** The payload alone (no header), for a sender that frames it (sendPayload). */
export function encodePayloadCopy(encoder: MessageEncoder, message: Message, kind?: PayloadKind): Buffer {
  const bytes = encoder.encode(message, kind);
  return Buffer.from(encoder.buffer.subarray(FRAME_HEADER_BYTES, bytes));
}
