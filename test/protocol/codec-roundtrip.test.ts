import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageDecoder, MessageEncoder, ConnectionCodec, detectPayloadKind } from '../../src/protocol/codec.js';
import type { PayloadKind } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES, FrameDecoder } from '../../src/protocol/framing.js';
import { MessageType } from '../../src/protocol/messages.js';
import type { Message } from '../../src/protocol/messages.js';
import { BINARY_MAGIC } from '../../src/protocol/binary-layout.js';
import { anyMessage, binaryMessage, normalize } from './message-arbitraries.js';

const RUNS = 2000;

function roundTrip(message: Message, kind: PayloadKind, encoder: MessageEncoder, decoder: MessageDecoder): Message {
  const frameBytes = encoder.encode(message, kind);
  const buffer = encoder.buffer;
  assert.equal(buffer.readUInt32BE(0), frameBytes - FRAME_HEADER_BYTES, 'frame header holds the payload length');
  return decoder.decode(buffer, FRAME_HEADER_BYTES, frameBytes - FRAME_HEADER_BYTES);
}

/** JSON carries an average price between units as a decimal: equal to a few ulps. */
function assertSameAfterJson(decoded: Message, original: Message): void {
  const actual = normalize(decoded, { keepSignalData: true });
  const expected = normalize(original, { keepSignalData: true });
  if (original.type === MessageType.TRADE_EXECUTION && decoded.type === MessageType.TRADE_EXECUTION) {
    const tolerance = Math.abs(original.averagePrice) * 8 * Number.EPSILON;
    assert.ok(Math.abs(decoded.averagePrice - original.averagePrice) <= tolerance, `average price ${decoded.averagePrice} vs ${original.averagePrice}`);
    if (Number.isInteger(original.averagePrice)) assert.equal(decoded.averagePrice, original.averagePrice, 'whole units stay whole');
    actual.averagePrice = expected.averagePrice;
  }
  assert.deepEqual(actual, expected);
}

// The same round trip through each codec: binary is exact, JSON carries averages as decimals.
const roundTrips = [
  {
    name: 'binary: encode → decode returns every message unchanged',
    kind: 'binary',
    messages: binaryMessage,
    seed: 1,
    assertSame: (decoded: Message, original: Message) => assert.deepEqual(normalize(decoded, { keepSignalData: true }), normalize(original, { keepSignalData: true })),
  },
  {
    name: 'JSON: encode → decode returns every message unchanged (average price to a few ulps)',
    kind: 'json',
    messages: anyMessage,
    seed: 2,
    assertSame: assertSameAfterJson,
  },
] as const;
for (const c of roundTrips) {
  test(c.name, () => {
    const encoder = new MessageEncoder({ initialBytes: 16 });
    const decoder = new MessageDecoder();
    fc.assert(
      fc.property(c.messages, (message) => {
        const decoded = roundTrip(message, c.kind, encoder, decoder);
        assert.equal(decoder.lastKind, c.kind);
        c.assertSame(decoded, message);
      }),
      { numRuns: RUNS, seed: c.seed },
    );
  });
}

test('every JSON payload we produce is one valid JSON object of UTF-8 text', () => {
  const encoder = new MessageEncoder();
  fc.assert(
    fc.property(anyMessage, (message) => {
      const frameBytes = encoder.encode(message, 'json');
      const text = encoder.buffer.toString('utf8', FRAME_HEADER_BYTES, frameBytes);
      assert.equal(Buffer.byteLength(text), frameBytes - FRAME_HEADER_BYTES, 'valid UTF-8, nothing cut');
      const parsed: unknown = JSON.parse(text);
      assert.equal((parsed as { type: number }).type, message.type);
    }),
    { numRuns: 500, seed: 3 },
  );
});

test('binary payloads never start with "{" and JSON payloads always do', () => {
  const encoder = new MessageEncoder();
  fc.assert(
    fc.property(binaryMessage, (message) => {
      encoder.encode(message, 'binary');
      assert.equal(encoder.buffer[FRAME_HEADER_BYTES], BINARY_MAGIC);
      assert.equal(detectPayloadKind(encoder.buffer, FRAME_HEADER_BYTES, 1), 'binary');
      encoder.encode(message, 'json');
      assert.equal(encoder.buffer[FRAME_HEADER_BYTES], 0x7b);
    }),
    { numRuns: 300, seed: 4 },
  );
});

test('a stream mixing both kinds decodes frame by frame, through the frame decoder', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(binaryMessage, fc.boolean()), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (items, chunkSize) => {
      const encoder = new MessageEncoder();
      const frames = items.map(([message, binary]) => {
        const bytes = encoder.encode(message, binary ? 'binary' : 'json');
        return Buffer.from(encoder.buffer.subarray(0, bytes));
      });
      const stream = Buffer.concat(frames);
      const decoder = new MessageDecoder();
      const decoded: Record<string, unknown>[] = [];
      const kinds: PayloadKind[] = [];
      const frameDecoder = new FrameDecoder((buffer, offset, length) => {
        decoded.push(normalize(decoder.decode(buffer, offset, length), { keepSignalData: false }));
        kinds.push(decoder.lastKind);
      });
      for (let i = 0; i < stream.length; i += chunkSize) assert.equal(frameDecoder.push(stream.subarray(i, i + chunkSize)), undefined);
      assert.deepEqual(kinds, items.map(([, binary]) => (binary ? 'binary' : 'json')));
      assert.equal(decoded.length, items.length);
      items.forEach(([message], i) => {
        const expected = normalize(message, { keepSignalData: false });
        if (message.type === MessageType.TRADE_EXECUTION) (expected as { averagePrice: unknown }).averagePrice = (decoded[i] as { averagePrice: unknown }).averagePrice;
        assert.deepEqual(decoded[i], expected);
      });
    }),
    { numRuns: 200, seed: 5 },
  );
});

test('encodeInto writes a frame at an offset, or returns 0 and leaves the rest alone when it does not fit', () => {
  const encoder = new MessageEncoder();
  const decoder = new MessageDecoder();
  fc.assert(
    fc.property(anyMessage, fc.constantFrom<PayloadKind>('json', 'binary'), fc.integer({ min: 0, max: 40 }), (message, kind, offset) => {
      const needed = encoder.encode(message, kind);
      const exact = Buffer.alloc(offset + needed, 0xee);
      assert.equal(encoder.encodeInto(message, exact, offset, kind), needed);
      assert.ok(exact.subarray(0, offset).every((byte) => byte === 0xee), 'bytes before the offset untouched');
      assert.deepEqual(exact.subarray(offset), encoder.buffer.subarray(0, needed));
      const decoded = decoder.decode(exact, offset + FRAME_HEADER_BYTES, needed - FRAME_HEADER_BYTES);
      assert.equal(decoded.type, message.type);
      const short = Buffer.alloc(offset + needed - 1);
      assert.equal(encoder.encodeInto(message, short, offset, kind), 0);
    }),
    { numRuns: 500, seed: 6 },
  );
});

test('TRADING_SIGNAL and ORDERBOOK_UPDATE travel as JSON even on a binary connection', () => {
  const encoder = new MessageEncoder({ mode: 'binary' });
  const bytes = encoder.encode({ type: MessageType.TRADING_SIGNAL, data: { symbol: 'AAPL', action: 'BUY' } });
  assert.equal(encoder.buffer.toString('utf8', FRAME_HEADER_BYTES, bytes), '{"type":3,"data":{"symbol":"AAPL","action":"BUY"}}');
});

test('a connection starts in JSON and follows the HELLO its peer sends', () => {
  const server = new ConnectionCodec();
  const client = new MessageEncoder();
  assert.equal(server.mode, 'json');
  const heartbeat = { type: MessageType.HEARTBEAT, timestamp: 1, sentNs: 2 } as const;
  server.send(heartbeat);
  assert.equal(server.encoder.buffer[FRAME_HEADER_BYTES], 0x7b, 'JSON before any HELLO');

  let bytes = client.encode({ type: MessageType.HELLO, protocolVersion: 1, clientName: 'strategy', binary: true }, 'binary');
  const hello = server.receive(client.buffer, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES);
  assert.equal(hello.type, MessageType.HELLO);
  assert.equal(server.mode, 'binary');
  server.send(heartbeat);
  assert.equal(server.encoder.buffer[FRAME_HEADER_BYTES], BINARY_MAGIC, 'binary after a binary HELLO');

  bytes = client.encode({ type: MessageType.HELLO, protocolVersion: 1, clientName: 'strategy', binary: false }, 'json');
  server.receive(client.buffer, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES);
  assert.equal(server.mode, 'json', 'a HELLO asking for JSON switches back');
});

test('the encoder buffer grows for a large message, and refuses one above maxFrameBytes', () => {
  const encoder = new MessageEncoder({ initialBytes: 8, maxFrameBytes: 2000 });
  const reason = 'x'.repeat(1500);
  const bytes = encoder.encode({ type: MessageType.SHUTDOWN, reason }, 'binary');
  assert.equal(bytes, FRAME_HEADER_BYTES + 4 + 1500);
  assert.throws(() => encoder.encode({ type: MessageType.SHUTDOWN, reason: 'é'.repeat(1500) }, 'json'), { code: 'E_FRAME_TOO_LARGE' });
  assert.throws(() => encoder.encode({ type: MessageType.SHUTDOWN, reason: 'é'.repeat(1500) }, 'binary'), { code: 'E_FRAME_TOO_LARGE' });
});
