/** The recording file: round trip, blocks, and what a truncated or damaged file still gives. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Recording } from '../../src/protocol/recording-reader.js';
import { RecordingWriter } from '../../src/protocol/recording-writer.js';
import { BLOCK_HEADER_BYTES, HEADER_BYTES, HEADER_VERSION_OFFSET, varintBytes, writeVarint } from '../../src/protocol/recording-format.js';

const dir = mkdtempSync(join(tmpdir(), 'ipct-recording-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Frame i: i % 250 + 1 bytes of a pattern that depends on i; received at i * 1000 + i² ns. */
function payloadOf(i: number): Buffer {
  const bytes = Buffer.alloc((i % 250) + 1);
  for (let k = 0; k < bytes.length; k++) bytes[k] = (i * 31 + k * 7) & 0xff;
  return bytes;
}
const timeOf = (i: number): number => i * 1000 + i * i;

function writeFrames(path: string, count: number, flushEvery = 0): RecordingWriter {
  const writer = new RecordingWriter(path, 1_700_000_000_000);
  for (let i = 0; i < count; i++) {
    const payload = payloadOf(i);
    writer.append(payload, 0, payload.length, timeOf(i));
    if (flushEvery > 0 && (i + 1) % flushEvery === 0) writer.flush();
  }
  writer.close();
  return writer;
}

test('varints round trip through the reader, up to 2^53', () => {
  for (const value of [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
    const buffer = Buffer.alloc(10);
    assert.equal(writeVarint(buffer, 0, value), varintBytes(value));
  }
});

test('every frame comes back with its bytes and receive time, over many blocks', () => {
  const path = join(dir, 'many.rec');
  const writer = writeFrames(path, 3000);
  assert.ok(writer.counters.blocks >= 5, `several 64 KiB blocks (${writer.counters.blocks})`);
  const recording = Recording.open(path);
  assert.equal(recording.frameCount, 3000);
  assert.equal(recording.blocks, writer.counters.blocks);
  assert.equal(recording.damage, undefined);
  assert.equal(recording.startEpochMs, 1_700_000_000_000);
  for (let i = 0; i < 3000; i++) {
    assert.deepEqual(recording.payload(i), payloadOf(i), `frame ${i}`);
    assert.equal(recording.receiveNs[i], timeOf(i), `time of frame ${i}`);
  }
  // overhead: header 32, block headers, 2-4 bytes of varints a frame
  const payloadBytes = Array.from({ length: 3000 }, (_, i) => payloadOf(i).length).reduce((a, b) => a + b, 0);
  const overhead = readFileSync(path).length - payloadBytes;
  assert.ok(overhead < 3000 * 5 + HEADER_BYTES + writer.counters.blocks * BLOCK_HEADER_BYTES, `overhead ${overhead} bytes`);
});

test('a file cut anywhere replays every whole block before the cut, and says where it ends', () => {
  const path = join(dir, 'cut.rec');
  const writer = writeFrames(path, 100, 10); // ten blocks of ten frames
  assert.equal(writer.counters.blocks, 10);
  const whole = readFileSync(path);
  for (const cut of [whole.length - 1, whole.length - 200, Math.floor(whole.length / 2), HEADER_BYTES + 5]) {
    const copy = join(dir, `cut-${cut}.rec`);
    writeFileSync(copy, whole);
    truncateSync(copy, cut);
    const recording = Recording.open(copy);
    assert.ok(recording.damage !== undefined, `cut at ${cut}: damage reported`);
    assert.match(recording.damage.reason, /cut short/);
    assert.equal(recording.frameCount % 10, 0, 'whole blocks only');
    assert.equal(recording.frameCount, recording.blocks * 10);
    for (let i = 0; i < recording.frameCount; i++) assert.deepEqual(recording.payload(i), payloadOf(i));
  }
});

test('a flipped byte fails its block checksum: the blocks before it replay', () => {
  const path = join(dir, 'flip.rec');
  writeFrames(path, 100, 10);
  const bytes = readFileSync(path);
  const recording = Recording.open(path);
  const middle = recording.offsets[55] ?? 0; // inside block 5
  bytes[middle] = (bytes[middle] ?? 0) ^ 0x40;
  writeFileSync(path, bytes);
  const damaged = Recording.open(path);
  assert.equal(damaged.frameCount, 50);
  assert.match(damaged.damage?.reason ?? '', /checksum/);
});

test('not a recording, or another version: E_RECORDING_INVALID saying which', () => {
  const text = join(dir, 'text.rec');
  writeFileSync(text, 'time,symbol\n'.repeat(10));
  assert.throws(() => Recording.open(text), { code: 'E_RECORDING_INVALID', message: /not a recording/ });
  assert.throws(() => Recording.open(join(dir, 'absent.rec')), { code: 'E_RECORDING_INVALID', message: /cannot read \(ENOENT\)/ });
  const path = join(dir, 'v2.rec');
  writeFrames(path, 3);
  const bytes = readFileSync(path);
  bytes.writeUInt16LE(2, HEADER_VERSION_OFFSET);
  writeFileSync(path, bytes);
  assert.throws(() => Recording.open(path), { code: 'E_RECORDING_INVALID', message: /checksum/ });
});
