import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allocateReleasable, releasableMemoryAvailable, releaseBuffer, returnFreedMemory } from '../../src/core/released-memory.js';
import { FrameDecoder, encodeFrame } from '../../src/protocol/framing.js';

const MIB = 1024 * 1024;
const rssBytes = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

test('a releasable buffer gives its memory back when released, not when collected; its views become empty', (t) => {
  if (!releasableMemoryAvailable()) {
    t.skip('the addon here was built before it had anonymous(): npm run install');
    return;
  }
  const buffer = allocateReleasable(64 * MIB);
  assert.equal(buffer.length, 64 * MIB);
  const view = buffer.subarray(10, 20);
  buffer.fill(7);
  const touched = rssBytes();
  releaseBuffer(buffer);
  const released = rssBytes();
  assert.ok(touched - released > 48 * MIB, `RSS ${Math.round(touched / MIB)} MiB → ${Math.round(released / MIB)} MiB`);
  assert.equal(buffer.length, 0, 'detached');
  assert.equal(view.length, 0, 'every view of it too');
  releaseBuffer(buffer); // idempotent
  releaseBuffer(Buffer.alloc(16)); // a plain Buffer: left to the collector
  assert.equal(typeof returnFreedMemory(), 'boolean');
});

test('a large frame arriving in pieces decodes whole in a releasable buffer; dispose gives it back and stops the decoder', () => {
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder((buffer, offset, length) => frames.push(Buffer.from(buffer.subarray(offset, offset + length))), { maxFrameBytes: 2 * MIB });
  const payload = Buffer.alloc(MIB + 123);
  for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
  const frame = encodeFrame(payload);
  for (let at = 0; at < frame.length; at += 300_000) decoder.push(frame.subarray(at, Math.min(frame.length, at + 300_000)));
  assert.equal(frames.length, 1);
  assert.ok(frames[0]?.equals(payload), 'the bytes as sent');
  // a second one left half way: its buffer is dropped by dispose, and nothing more is delivered
  decoder.push(frame.subarray(0, 600_000));
  assert.ok(decoder.capacityBytes > MIB);
  decoder.dispose();
  assert.ok(decoder.capacityBytes < 64 * 1024, `after dispose it holds ${decoder.capacityBytes} bytes`);
  decoder.push(frame.subarray(600_000));
  assert.equal(frames.length, 1);
});
