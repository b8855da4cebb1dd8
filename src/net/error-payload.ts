/**
 * The default payload a server sends before closing a client over bad input: the seed's
 * JSON shape with our ERROR type, which any JSON peer can read whatever it speaks:
 *   {"type": 11, "data": {"code": "E_FRAME_TOO_LARGE", "message": "..."}}
 */
import type { TradingError } from '../core/errors.js';
import { MessageType } from '../protocol/messages.js';

export function jsonErrorPayload(error: TradingError): Buffer {
  return Buffer.from(JSON.stringify({ type: MessageType.ERROR, data: { code: error.code, message: error.message } }), 'utf8');
}
