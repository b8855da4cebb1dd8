/**
 * A server's answer to a client's HELLO, for servers with no sessions of their own
 * (benchmark stand-ins, tools): "yes, I speak what you asked", as our servers answer, so
 * that our clients switch to binary at once rather than wait for --hello-timeout-ms.
 */
import { MessageEncoder } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION, type Hello } from '../protocol/messages.js';

/** The complete JSON frame answering `hello`, as server `name`. */
export function helloAnswerFrame(hello: Readonly<Hello>, name: string): Buffer {
  const encoder = new MessageEncoder({ mode: 'json' });
  const bytes = encoder.encode({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: name, binary: hello.binary });
  return Buffer.from(encoder.buffer.subarray(0, bytes));
}
