import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameEncoder } from '../../src/gateway/frame-encoder.js';
import { MessageDecoder } from '../../src/protocol/codec.js';
import { MessageType, type Heartbeat } from '../../src/protocol/messages.js';

test('a heartbeat payload is stamped each time and, in binary, the same reused view (nothing allocated per heartbeat)', () => {
  const encoder = new FrameEncoder('binary');
  const decoder = new MessageDecoder();
  const heartbeat: Heartbeat = { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
  const views = new Set<Uint8Array>();
  for (let i = 1; i <= 1_000; i++) {
    heartbeat.timestamp = 1_700_000_000 + i / 1000;
    heartbeat.sentNs = i * 1_000_003;
    const payload = encoder.payload(heartbeat);
    views.add(payload);
    const decoded = decoder.decode(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), 0, payload.byteLength);
    assert.equal(decoded.type, MessageType.HEARTBEAT);
    if (decoded.type !== MessageType.HEARTBEAT) return;
    assert.equal(decoded.sentNs, heartbeat.sentNs);
    assert.equal(decoded.timestamp, heartbeat.timestamp);
  }
  assert.equal(views.size, 1);
});

test('a JSON heartbeat payload carries its stamps, with no frame header', () => {
  const encoder = new FrameEncoder('json');
  const payload = encoder.payload({ type: MessageType.HEARTBEAT, timestamp: 1_700_000_000.5, sentNs: 42 });
  assert.equal(payload[0], '{'.charCodeAt(0));
  const decoded = new MessageDecoder().decode(Buffer.from(payload), 0, payload.length);
  assert.equal(decoded.type, MessageType.HEARTBEAT);
  assert.equal(decoded.type === MessageType.HEARTBEAT ? decoded.timestamp : 0, 1_700_000_000.5);
});
