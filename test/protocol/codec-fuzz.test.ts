/**
 * Seeded fuzzing of the decoders: whatever bytes arrive, decoding yields either a
 * TradingError with a known code or a valid message, one that our encoders accept and
 * that survives a further round trip unchanged. Never another exception, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import type { PayloadKind } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { BINARY_MAGIC } from '../../src/protocol/binary-layout.js';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { binaryMessage, normalize } from './message-arbitraries.js';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

interface Outcome {
  errors: Map<string, number>;
  messages: number;
}

/** Decode one payload; assert the outcome is a coded TradingError or a re-encodable message. */
function check(payload: Uint8Array, outcome: Outcome, decoder = new MessageDecoder(), encoder = new MessageEncoder()): void {
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  let message;
  try {
    message = decoder.decode(buffer, 0, buffer.length);
  } catch (err) {
    assert.ok(err instanceof TradingError, `not a TradingError: ${String(err)} for ${buffer.toString('hex').slice(0, 80)}`);
    assert.ok(KNOWN_CODES.has(err.code), `unknown code ${err.code}`);
    outcome.errors.set(err.code, (outcome.errors.get(err.code) ?? 0) + 1);
    return;
  }
  outcome.messages++;
  const kind: PayloadKind = decoder.lastKind;
  const expected = normalize(message, { keepSignalData: true });
  // A message we accepted must be one we can send on, in the same kind, unchanged.
  const frameBytes = encoder.encode(message, kind);
  const again = decoder.decode(encoder.buffer, FRAME_HEADER_BYTES, frameBytes - FRAME_HEADER_BYTES);
  const actual = normalize(again, { keepSignalData: true });
  if ('averagePrice' in expected && kind === 'json') actual.averagePrice = expected.averagePrice;
  assert.deepEqual(actual, expected);
}

/** Byte arrays whose lengths spread evenly up to `maxLength` (fast-check favours short ones). */
function bytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.integer({ min: 0, max: maxLength }).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
}

function newOutcome(): Outcome {
  return { errors: new Map(), messages: 0 };
}

test('10,000 random byte payloads: each is a TradingError or a valid message', () => {
  const outcome = newOutcome();
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder();
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), bytes(300)), (payload) => check(payload, outcome, decoder, encoder)),
    { numRuns: 10_000, seed: 20_240_601 },
  );
  assert.ok(outcome.errors.get(ErrorCode.PAYLOAD_UNKNOWN_KIND)! > 5000, 'most random first bytes are neither kind');
  assert.ok(outcome.errors.has(ErrorCode.FRAME_EMPTY));
});

test('10,000 random binary bodies behind the magic and a real type reach the layout checks', () => {
  const outcome = newOutcome();
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder();
  const body = fc.tuple(fc.constantFrom(1, 2, 4, 5, 7, 8, 9, 10, 11), bytes(400));
  fc.assert(
    fc.property(body, ([type, rest]) => check(Uint8Array.from([BINARY_MAGIC, type, ...rest]), outcome, decoder, encoder)),
    { numRuns: 10_000, seed: 7 },
  );
  assert.ok(outcome.errors.get(ErrorCode.FRAME_TRUNCATED)! > 100);
  assert.ok(outcome.errors.get(ErrorCode.PAYLOAD_MALFORMED)! > 100);
  assert.ok(outcome.errors.get(ErrorCode.MESSAGE_INVALID)! > 100);
});

test('10,000 mutations of valid binary messages (flipped bytes, cuts, additions)', () => {
  const outcome = newOutcome();
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder();
  const mutation = fc.record({
    message: binaryMessage,
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    extra: fc.uint8Array({ maxLength: 3 }),
  });
  fc.assert(
    fc.property(mutation, ({ message, flips, cut, extra }) => {
      const frameBytes = encoder.encode(message, 'binary');
      let payload = Uint8Array.from(encoder.buffer.subarray(FRAME_HEADER_BYTES, frameBytes));
      for (const [position, value] of flips) payload[position % payload.length] = value;
      if (cut !== undefined) payload = payload.subarray(0, cut % (payload.length + 1));
      check(Uint8Array.from([...payload, ...extra]), outcome, decoder, encoder);
    }),
    { numRuns: 10_000, seed: 11 },
  );
  assert.ok(outcome.messages > 100, `some mutations are still valid messages (${outcome.messages})`);
});

const jsonScalar = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 10 }), fc.boolean(), fc.constant(null));
const fieldNames = fc.constantFrom(
  'symbol', 'timestamp', 'bids', 'asks', 'last_price', 'volume', 'sequence', 'sent_ns', 'sentiment', 'score', 'headline',
  'order_id', 'side', 'price', 'quantity', 'signal_data', 'order_type', 'time_in_force', 'execution_id', 'status',
  'order_price', 'execution_price', 'average_price', 'protocol_version', 'client_name', 'binary', 'code', 'message', 'reason',
);
const fieldValue = fc.oneof(jsonScalar, fc.array(fc.oneof(jsonScalar, fc.array(jsonScalar, { maxLength: 3 })), { maxLength: 4 }), fc.constantFrom('AAPL', 'BUY', 'SELL', 'positive', 'FILLED', 'LIMIT', 'DAY'));

test('10,000 JSON objects with real type numbers and plausible fields of random types', () => {
  const outcome = newOutcome();
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder();
  const payload = fc.record({
    type: fc.oneof(fc.integer({ min: -1, max: 13 }), jsonScalar),
    data: fc.oneof(fc.dictionary(fieldNames, fieldValue, { maxKeys: 12 }), jsonScalar),
  });
  fc.assert(
    fc.property(payload, fc.boolean(), (value, truncate) => {
      let text = JSON.stringify(value);
      if (truncate) text = text.slice(0, Math.floor(text.length / 2));
      check(Buffer.from(text, 'utf8'), outcome, decoder, encoder);
    }),
    { numRuns: 10_000, seed: 13 },
  );
  for (const code of [ErrorCode.MESSAGE_INVALID, ErrorCode.MESSAGE_UNKNOWN_TYPE, ErrorCode.PAYLOAD_MALFORMED]) {
    assert.ok((outcome.errors.get(code) ?? 0) > 50, `${code} reached`);
  }
});

test('random bytes after "{" are refused as malformed JSON, never thrown raw', () => {
  const outcome = newOutcome();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (rest) => check(Uint8Array.from([0x7b, ...rest]), outcome)),
    { numRuns: 2000, seed: 17 },
  );
  assert.ok(outcome.errors.get(ErrorCode.PAYLOAD_MALFORMED)! > 1900);
});
