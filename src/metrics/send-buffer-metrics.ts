/**
 * What a server that holds its probation clients' kernel send buffers (net/send-buffer.ts:
 * the gateway's and the order manager's FrameServer) publishes about that hold: whether it
 * is unavailable here and why, and how many clients went on probation without it. An
 * operator reads in them that the flood protection is weaker.
 */
import type { FrameServerCounters } from '../net/frame-server.js';
import type { MetricsWriter } from './counters-writer.js';

export function publishSendBufferHold(w: MetricsWriter<'send_buffer_hold_unavailable' | 'send_buffer_holds_missed'>, server: FrameServerCounters): void {
  w.set('send_buffer_holds_missed', server.sendBufferHoldsMissed);
  if (server.sendBufferHoldUnavailable !== undefined) w.setLabelled('send_buffer_hold_unavailable', server.sendBufferHoldUnavailable, 1);
}
