/**
 * Heartbeats in the kind a connection speaks: none while its session negotiates, binary
 * once the server chose binary, JSON for a JSON-only peer (which must never get a binary
 * frame). Both payloads are encoded once; FrameClient asks for one per interval.
 */
import type { MessageEncoder } from '../protocol/codec.js';
import { encodePayloadCopy } from '../protocol/encoded-copy.js';
import { MessageType, type Heartbeat } from '../protocol/messages.js';
import type { ClientSession } from '../session/client-session.js';

export class HeartbeatSource {
  readonly #binary: Buffer;
  readonly #json: Buffer;

  constructor(encoder: MessageEncoder) {
    const heartbeat: Heartbeat = { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
    this.#binary = encodePayloadCopy(encoder, heartbeat, 'binary');
    this.#json = encodePayloadCopy(encoder, heartbeat, 'json');
  }

  /** The payload source for a FrameClient's heartbeat on this session's connection. */
  for(session: ClientSession): () => Uint8Array | undefined {
    return () => (session.state === 'negotiating' ? undefined : session.mode === 'binary' ? this.#binary : this.#json);
  }
}
