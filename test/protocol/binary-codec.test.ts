import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryDecoder, BinaryEncoder, binaryPayloadLength } from '../../src/protocol/binary-codec.js';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { MAX_SIGNAL_DATA_BYTES } from '../../src/protocol/validation.js';
import { BINARY_MAGIC, MarketDataLayout, OrderLayout, PRICE_LEVEL_BYTES } from '../../src/protocol/binary-layout.js';
import { MessageType, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import type { MarketData, Message, Order } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { SymbolInterner } from '../../src/protocol/symbol-interner.js';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { fillBook, ladder } from '../helpers/books.js';

function book(symbol: string, levels: number): MarketData {
  const message = fillBook(createMarketData(32), {
    bids: ladder(levels, 1_894_900, -100, (i) => 100 + i),
    asks: ladder(levels, 1_895_100, 100, (i) => 200 + i),
    lastPrice: 1_895_000,
    volume: 12_345,
    timestamp: 1730700000.25,
    sequence: 42,
    sentNs: 123_456_789,
  });
  message.symbol = symbol;
  return message;
}

const ORDER: Order = {
  type: MessageType.ORDER,
  orderId: 'ORD-1',
  symbol: 'MSFT',
  side: Side.BUY,
  orderType: OrderType.LIMIT,
  timeInForce: TimeInForce.DAY,
  price: 4_120_700,
  quantity: 10,
  timestamp: 1730700000.5,
  tickSentNs: 1,
  orderSentNs: 2,
};

function encode(message: Message): Buffer {
  const buffer = Buffer.alloc(binaryPayloadLength(message));
  assert.equal(new BinaryEncoder().encode(message, buffer, 0), buffer.length);
  return buffer;
}

function assertRefused(payload: Buffer, code: string, mentions?: RegExp, decoder = new BinaryDecoder()): void {
  assert.throws(
    () => decoder.decode(payload, 0, payload.length),
    (err: unknown) => {
      assert.ok(err instanceof TradingError, `expected a TradingError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      if (mentions !== undefined) assert.match(err.message, mentions);
      return true;
    },
  );
}

test('a 5-level MARKET_DATA is 212 bytes in the documented layout', () => {
  const payload = encode(book('AAPL', 5));
  assert.equal(payload.length, 212);
  assert.equal(payload[0], BINARY_MAGIC);
  assert.notEqual(payload[0], 0x7b);
  assert.equal(payload[1], MessageType.MARKET_DATA);
  assert.equal(payload[MarketDataLayout.BID_COUNT], 5);
  assert.equal(payload.toString('latin1', MarketDataLayout.SYMBOL, MarketDataLayout.SYMBOL + 8), 'AAPL\0\0\0\0');
  assert.equal(payload.readDoubleLE(MarketDataLayout.LAST_PRICE), 1_895_000);
  assert.equal(payload.readDoubleLE(MarketDataLayout.LEVELS), 1_894_900, 'best bid price first');
  assert.equal(payload.readDoubleLE(MarketDataLayout.LEVELS + 5 * PRICE_LEVEL_BYTES), 1_895_100, 'asks after the bids');
});

test('decoding reuses the caller-provided MarketData and returns the same symbol string', () => {
  const target = createMarketData(8);
  const decoder = new BinaryDecoder({ marketData: target });
  const aapl = encode(book('AAPL', 3));
  const first = decoder.decode(aapl, 0, aapl.length);
  const second = decoder.decode(aapl, 0, aapl.length);
  assert.equal(first, target);
  assert.equal(second, target);
  assert.equal(target.bidCount, 3);
  assert.equal(target.askSizes[2], 202);
  // The interner hands back one string per symbol: a known symbol allocates nothing.
  const symbol = target.symbol;
  decoder.decode(aapl, 0, aapl.length);
  assert.ok(Object.is(target.symbol, symbol));
});

test('a payload inside a larger buffer at an odd offset decodes the same', () => {
  const payload = encode(book('BRK.B', 4));
  const big = Buffer.alloc(payload.length + 11, 0xff);
  payload.copy(big, 7);
  const message = new BinaryDecoder().decode(big, 7, payload.length);
  assert.equal(message.type === MessageType.MARKET_DATA && message.symbol, 'BRK.B');
});

test('the interner stays bounded and still answers correctly after evictions', () => {
  const interner = new SymbolInterner(16);
  const decoder = new BinaryDecoder({ interner });
  for (let i = 0; i < 200; i++) {
    const symbol = `S${i}`;
    const payload = encode(book(symbol, 1));
    const message = decoder.decode(payload, 0, payload.length);
    assert.equal(message.type === MessageType.MARKET_DATA && message.symbol, symbol);
  }
  const misses = interner.misses;
  const payload = encode(book('S199', 1));
  decoder.decode(payload, 0, payload.length);
  assert.equal(interner.misses, misses, 'a recent symbol is still cached');
});

test('wrong magic: JSON-looking and foreign bytes are E_PAYLOAD_UNKNOWN_KIND, another layout version E_PROTOCOL_VERSION', () => {
  const payload = encode(book('AAPL', 1));
  payload[0] = 0xb2;
  assertRefused(payload, ErrorCode.PROTOCOL_VERSION, /version 2/);
  payload[0] = 0x00;
  assertRefused(payload, ErrorCode.PAYLOAD_UNKNOWN_KIND);
  payload[0] = 0x7b;
  assertRefused(payload, ErrorCode.PAYLOAD_UNKNOWN_KIND);
});

test('unknown types, and seed types without a binary layout, are E_MESSAGE_UNKNOWN_TYPE', () => {
  for (const type of [0, 3, 6, 12, 255]) assertRefused(Buffer.from([BINARY_MAGIC, type, 0, 0]), ErrorCode.MESSAGE_UNKNOWN_TYPE);
});

test('every truncation of every message is E_FRAME_TRUNCATED, and extra bytes are E_PAYLOAD_MALFORMED', () => {
  const messages: Message[] = [
    book('AAPL', 5),
    ORDER,
    { type: MessageType.CANCEL, orderId: 'ORD-1', symbol: 'MSFT', timestamp: 1 },
    { type: MessageType.NEWS_SENTIMENT, symbol: 'TSLA', timestamp: 1, sentiment: 1, score: 0.5, headline: 'Good news', sequence: 1, sentNs: 2 },
    { type: MessageType.HEARTBEAT, timestamp: 1, sentNs: 2 },
    { type: MessageType.SHUTDOWN, reason: 'bye' },
    { type: MessageType.HELLO, protocolVersion: 1, clientName: 'orderbook', binary: true },
    { type: MessageType.ERROR, code: 'E_MESSAGE_INVALID', message: 'no' },
  ];
  for (const message of messages) {
    const payload = encode(message);
    for (let length = 0; length < payload.length; length++) {
      assertRefused(payload.subarray(0, length), ErrorCode.FRAME_TRUNCATED);
    }
    assertRefused(Buffer.concat([payload, Buffer.from([0])]), ErrorCode.PAYLOAD_MALFORMED);
  }
});

test('NaN, Infinity and fractional prices are refused on decode, naming the field', () => {
  const payload = encode(book('AAPL', 2));
  const cases: [number, number, RegExp][] = [
    [MarketDataLayout.LAST_PRICE, Number.NaN, /'last_price'/],
    [MarketDataLayout.LAST_PRICE, 1.5, /'last_price': expected integer price units/],
    [MarketDataLayout.LAST_PRICE, 2e14, /'last_price'/],
    [MarketDataLayout.TIMESTAMP, Number.POSITIVE_INFINITY, /'timestamp'/],
    [MarketDataLayout.LEVELS, Number.NEGATIVE_INFINITY, /'bids'/],
    [MarketDataLayout.LEVELS + 8, Number.NaN, /'bids'/],
    [MarketDataLayout.LEVELS + 2 * PRICE_LEVEL_BYTES, Number.NaN, /'asks'/],
  ];
  for (const [offset, value, mentions] of cases) {
    const bad = Buffer.from(payload);
    bad.writeDoubleLE(value, offset);
    assertRefused(bad, ErrorCode.MESSAGE_INVALID, mentions);
  }
  const order = encode(ORDER);
  order.writeDoubleLE(Number.NaN, OrderLayout.PRICE);
  assertRefused(order, ErrorCode.MESSAGE_INVALID, /ORDER field 'price'/);
});

test('level counts above the maximum are refused, whatever the payload length', () => {
  const payload = encode(book('AAPL', 1));
  payload[MarketDataLayout.BID_COUNT] = 33;
  assertRefused(payload, ErrorCode.MESSAGE_INVALID, /33 levels exceed the maximum of 32/);
  const padded = Buffer.concat([encode(book('AAPL', 1)), Buffer.alloc(PRICE_LEVEL_BYTES * 40)]);
  padded[MarketDataLayout.ASK_COUNT] = 41;
  assertRefused(padded, ErrorCode.MESSAGE_INVALID, /'asks'/);
  const small = new BinaryDecoder({ marketData: createMarketData(2) });
  assertRefused(encode(book('AAPL', 3)), ErrorCode.MESSAGE_INVALID, /'bids': 3 levels exceed the maximum of 2/, small);
});

test('bad symbols and enumerations are refused on decode', () => {
  const symbols: [string, number[]][] = [
    ['empty', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['lower case', [0x61, 0x61, 0, 0, 0, 0, 0, 0]],
    ['a gap', [0x41, 0, 0x42, 0, 0, 0, 0, 0]],
    ['a control byte', [0x41, 0x0a, 0, 0, 0, 0, 0, 0]],
  ];
  for (const [, bytes] of symbols) {
    const payload = encode(book('AAPL', 1));
    Buffer.from(bytes).copy(payload, MarketDataLayout.SYMBOL);
    assertRefused(payload, ErrorCode.MESSAGE_INVALID, /'symbol'/);
  }
  for (const [offset, field] of [
    [OrderLayout.SIDE, 'side'],
    [OrderLayout.ORDER_TYPE, 'order_type'],
    [OrderLayout.TIME_IN_FORCE, 'time_in_force'],
  ] as const) {
    const payload = encode(ORDER);
    payload[offset] = 9;
    assertRefused(payload, ErrorCode.MESSAGE_INVALID, new RegExp(`'${field}'`));
  }
  const emptyId = encode({ ...ORDER, orderId: 'x' });
  emptyId[OrderLayout.ORDER_ID_BYTES] = 0;
  assertRefused(emptyId.subarray(0, emptyId.length - 1), ErrorCode.MESSAGE_INVALID, /'order_id': must not be empty/);
});

test('encoding refuses invalid messages and reports no room with 0', () => {
  const encoder = new BinaryEncoder();
  const target = Buffer.alloc(512);
  assert.throws(() => encoder.encode({ ...book('AAPL', 1), symbol: 'aapl' }, target, 0), { code: ErrorCode.MESSAGE_INVALID, message: /'symbol'/ });
  assert.throws(() => encoder.encode({ ...book('AAPL', 1), symbol: 'TOOLONGSYM' }, target, 0), { code: ErrorCode.MESSAGE_INVALID });
  const nan = book('AAPL', 1);
  nan.askSizes[0] = Number.NaN;
  assert.throws(() => encoder.encode(nan, target, 0), { code: ErrorCode.MESSAGE_INVALID, message: /'asks'/ });
  assert.throws(() => encoder.encode({ ...ORDER, orderId: '' }, target, 0), { code: ErrorCode.MESSAGE_INVALID, message: /'order_id'/ });
  assert.throws(() => encoder.encode({ ...ORDER, price: 1.25 }, target, 0), { code: ErrorCode.MESSAGE_INVALID, message: /'price'/ });
  assert.throws(() => encoder.encode({ type: MessageType.TRADING_SIGNAL, data: {} }, target, 0), { code: ErrorCode.MESSAGE_UNKNOWN_TYPE });
  assert.equal(encoder.encode(book('AAPL', 5), Buffer.alloc(211), 0), 0);
  assert.equal(encoder.encode(book('AAPL', 5), Buffer.alloc(300), 89), 0);
  assert.equal(encoder.encode(book('AAPL', 5), Buffer.alloc(300), 88), 212);
});

test('an ORDER carries its signal data: JSON text after the order id, its length at offset 54', () => {
  const signalData = { price_change: -0.0021, sentiment_ema: 0.4, note: 'é' };
  const payload = encode({ ...ORDER, signalData });
  const text = JSON.stringify(signalData);
  assert.equal(payload.readUInt16LE(OrderLayout.SIGNAL_DATA_BYTES), Buffer.byteLength(text));
  assert.equal(payload.toString('utf8', OrderLayout.TEXT + ORDER.orderId.length), text);
  const decoded = new BinaryDecoder().decode(payload, 0, payload.length) as Order;
  assert.deepEqual(decoded.signalData, signalData);
  const without = encode(ORDER);
  assert.equal(without.readUInt16LE(OrderLayout.SIGNAL_DATA_BYTES), 0);
  assert.equal('signalData' in new BinaryDecoder().decode(without, 0, without.length), false);
});

test('signal data above MAX_SIGNAL_DATA_BYTES is E_SIGNAL_DATA_TOO_LARGE, encoding and decoding, in both codecs', () => {
  const big = { reason: 'x'.repeat(MAX_SIGNAL_DATA_BYTES) };
  const fits = { reason: 'x'.repeat(MAX_SIGNAL_DATA_BYTES - '{"reason":""}'.length) };
  assert.equal(Buffer.byteLength(JSON.stringify(fits)), MAX_SIGNAL_DATA_BYTES);
  assert.deepEqual((new BinaryDecoder().decode(encode({ ...ORDER, signalData: fits }), 0, binaryPayloadLength({ ...ORDER, signalData: fits })) as Order).signalData, fits);
  const encoder = new MessageEncoder();
  for (const kind of ['binary', 'json'] as const) {
    assert.throws(() => encoder.encode({ ...ORDER, signalData: big }, kind), { code: ErrorCode.SIGNAL_DATA_TOO_LARGE, message: /signal_data/ });
  }
  // a peer that sends one anyway: a forged binary length, and seed-style JSON
  const forged = encode({ ...ORDER, signalData: fits });
  const longer = Buffer.concat([forged, Buffer.from(' ')]);
  longer.writeUInt16LE(MAX_SIGNAL_DATA_BYTES + 1, OrderLayout.SIGNAL_DATA_BYTES);
  assertRefused(longer, ErrorCode.SIGNAL_DATA_TOO_LARGE);
  const json = Buffer.from(
    JSON.stringify({ type: 4, data: { order_id: 'A1', symbol: 'AAPL', side: 'BUY', price: 1, quantity: 1, timestamp: 1, signal_data: big } }),
  );
  assert.throws(() => new MessageDecoder().decode(json, 0, json.length), { code: ErrorCode.SIGNAL_DATA_TOO_LARGE });
  const notObject = encode({ ...ORDER, signalData: { a: 1 } });
  notObject.write('[1,2,3]', OrderLayout.TEXT + ORDER.orderId.length);
  assertRefused(notObject, ErrorCode.MESSAGE_INVALID, /'signal_data'/);
});
