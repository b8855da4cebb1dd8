import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame } from '../../src/protocol/framing.js';
import { ErrorCode } from '../../src/core/errors.js';

function collect(maxFrameBytes?: number): { decoder: FrameDecoder; frames: string[] } {
  const frames: string[] = [];
  const decoder = new FrameDecoder(
    (buffer, offset, length) => frames.push(buffer.toString('utf8', offset, offset + length)),
    maxFrameBytes === undefined ? {} : { maxFrameBytes },
  );
  return { decoder, frames };
}

const stream = Buffer.concat(['a', 'hello', '{"type":7,"data":{}}', 'x'.repeat(70_000)].map((s) => encodeFrame(Buffer.from(s))));

test('many frames in one chunk are all delivered in order', () => {
  const { decoder, frames } = collect();
  assert.equal(decoder.push(stream), undefined);
  assert.deepEqual(frames.map((f) => f.slice(0, 8)), ['a', 'hello', '{"type":', 'xxxxxxxx']);
  assert.equal(decoder.bufferedBytes, 0);
});

test('frames split at every possible byte boundary reassemble', () => {
  for (const size of [1, 2, 3, 5, 7, 4096]) {
    const { decoder, frames } = collect();
    for (let i = 0; i < stream.length; i += size) assert.equal(decoder.push(stream.subarray(i, i + size)), undefined);
    assert.equal(frames.length, 4, `chunk size ${size}`);
    assert.equal(frames[3]?.length, 70_000);
    assert.equal(frames[1], 'hello');
  }
});

test('a length above the maximum is E_FRAME_TOO_LARGE, even before the payload arrives', () => {
  const { decoder, frames } = collect(16);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(17);
  assert.equal(decoder.push(header)?.code, ErrorCode.FRAME_TOO_LARGE);
  assert.equal(decoder.push(encodeFrame(Buffer.from('ok')))?.code, ErrorCode.FRAME_TOO_LARGE, 'stays failed');
  assert.deepEqual(frames, []);
});

test('a split header announcing an oversized frame fails without buffering it', () => {
  const { decoder } = collect(1024);
  assert.equal(decoder.push(Buffer.from([0xff, 0xff])), undefined);
  assert.equal(decoder.push(Buffer.from([0xff, 0xff]))?.code, ErrorCode.FRAME_TOO_LARGE);
});

test('length 0 is E_FRAME_EMPTY', () => {
  const { decoder } = collect();
  assert.equal(decoder.push(Buffer.alloc(4))?.code, ErrorCode.FRAME_EMPTY);
});

test('a truncated frame is held, not delivered', () => {
  const { decoder, frames } = collect();
  const frame = encodeFrame(Buffer.from('truncated'));
  assert.equal(decoder.push(frame.subarray(0, frame.length - 1)), undefined);
  assert.deepEqual(frames, []);
  assert.equal(decoder.bufferedBytes, frame.length - 1);
});

test('stop() ends delivery within the same chunk', () => {
  const frames: number[] = [];
  const decoder: FrameDecoder = new FrameDecoder((_b, _o, length) => {
    frames.push(length);
    decoder.stop();
  });
  decoder.push(stream);
  assert.deepEqual(frames, [1]);
});
