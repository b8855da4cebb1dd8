/**
 * One reusable MessageEncoder per payload kind, with a cached whole-frame view of its
 * buffer: the gateway encodes each message once per kind and copies the view into every
 * client's queue, with no allocation per send.
 */
import type { PayloadMode } from '../net/frame-server-client.js';
import { MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import type { Message } from '../protocol/messages.js';

/** One reusable encoder and a cached whole-frame view of its buffer (no allocation per send). */
export class FrameEncoder {
  readonly encoder: MessageEncoder;
  #viewSource: Buffer | undefined;
  #view: Uint8Array = new Uint8Array(0);
  #payloadSource: Buffer | undefined;
  #payloadView: Uint8Array = new Uint8Array(0);

  constructor(mode: PayloadMode) {
    this.encoder = new MessageEncoder({ mode });
  }

  /** Encode and return the frame (header included), valid until the next encode. */
  frame(message: Message): Uint8Array {
    const bytes = this.encoder.encode(message);
    const buffer = this.encoder.buffer;
    if (buffer !== this.#viewSource || bytes !== this.#view.length) {
      this.#view = buffer.subarray(0, bytes);
      this.#viewSource = buffer;
    }
    return this.#view;
  }

  /** Encode and return the payload alone (no header), valid until the next encode. */
  payload(message: Message): Uint8Array {
    const bytes = this.encoder.encode(message);
    const buffer = this.encoder.buffer;
    if (buffer !== this.#payloadSource || bytes - FRAME_HEADER_BYTES !== this.#payloadView.length) {
      this.#payloadView = buffer.subarray(FRAME_HEADER_BYTES, bytes);
      this.#payloadSource = buffer;
    }
    return this.#payloadView;
  }
}
