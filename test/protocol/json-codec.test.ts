import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonDecoder, encodeJsonPayload, priceText } from '../../src/protocol/json-codec.js';
import { ExecutionStatus, MessageType, OrderType, Sentiment, Side, TimeInForce } from '../../src/protocol/messages.js';
import type { Message } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { fillBook } from '../helpers/books.js';

function decodeText(text: string, decoder = new JsonDecoder()): Message {
  const buffer = Buffer.from(text, 'utf8');
  return decoder.decode(buffer, 0, buffer.length);
}

function assertRefused(text: string, code: string, mentions?: RegExp): void {
  assert.throws(
    () => decodeText(text),
    (err: unknown) => {
      assert.ok(err instanceof TradingError, `expected a TradingError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      if (mentions !== undefined) assert.match(err.message, mentions);
      return true;
    },
    text,
  );
}

test('a seed MARKET_DATA (json.dumps spacing, float sizes) decodes into price units', () => {
  const message = decodeText(
    '{"type": 1, "data": {"symbol": "AAPL", "timestamp": 1730700000.123456, "bids": [[189.31, 523.17], [189.21, 100.0]], ' +
      '"asks": [[189.69, 523.17]], "last_price": 189.5, "volume": 48213}}',
  );
  assert.equal(message.type, MessageType.MARKET_DATA);
  assert.equal(message.symbol, 'AAPL');
  assert.equal(message.timestamp, 1730700000.123456);
  assert.equal(message.bidCount, 2);
  assert.equal(message.askCount, 1);
  assert.deepEqual([...message.bidPrices.subarray(0, 2)], [1893100, 1892100]);
  assert.deepEqual([...message.bidSizes.subarray(0, 2)], [523.17, 100]);
  assert.equal(message.askPrices[0], 1896900);
  assert.equal(message.lastPrice, 1895000);
  assert.equal(message.volume, 48213);
  assert.equal(message.sequence, 0, 'absent sequence defaults to 0');
  assert.equal(message.sentNs, 0);
});

test('MARKET_DATA decodes into the same reusable object every time', () => {
  const target = createMarketData(4);
  const decoder = new JsonDecoder({ marketData: target });
  const first = decodeText('{"type":1,"data":{"symbol":"A","timestamp":1,"bids":[[1,1]],"asks":[],"last_price":1,"volume":0}}', decoder);
  const second = decodeText('{"type":1,"data":{"symbol":"B","timestamp":2,"bids":[],"asks":[[2,3]],"last_price":2,"volume":1}}', decoder);
  assert.equal(first, target);
  assert.equal(second, target);
  assert.equal(target.symbol, 'B');
  assert.equal(target.bidCount, 0);
  assert.equal(target.askCount, 1);
});

// Seed messages, as the seed's json.dumps writes them, decode to exactly these messages of ours.
const seedMessages: { name: string; text: string; expected: Message }[] = [
  {
    name: 'a seed ORDER is a LIMIT IOC order, with its signal_data kept',
    text:
      '{"type": 4, "data": {"order_id": "ORD_1730700000123456", "symbol": "MSFT", "side": "SELL", "price": 412.07, ' +
      '"quantity": 42, "timestamp": 1730700000.5, "signal_data": {"price_change": -0.0021, "sentiment": -0.4}}}',
    expected: {
      type: MessageType.ORDER,
      orderId: 'ORD_1730700000123456',
      symbol: 'MSFT',
      side: Side.SELL,
      orderType: OrderType.LIMIT,
      timeInForce: TimeInForce.IOC,
      price: 4120700,
      quantity: 42,
      timestamp: 1730700000.5,
      tickSentNs: 0,
      orderSentNs: 0,
      signalData: { price_change: -0.0021, sentiment: -0.4 },
    },
  },
  {
    name: 'a seed TRADE_EXECUTION fills in our fields from the seed ones',
    text:
      '{"type": 5, "data": {"execution_id": "EXEC_1", "order_id": "ORD_1", "symbol": "AAPL", "side": "BUY", "quantity": 10, ' +
      '"order_price": 189.5, "execution_price": 189.52, "timestamp": 1730700001.25, "status": "FILLED"}}',
    expected: {
      type: MessageType.TRADE_EXECUTION,
      executionId: 'EXEC_1',
      orderId: 'ORD_1',
      symbol: 'AAPL',
      side: Side.BUY,
      orderType: OrderType.LIMIT,
      timeInForce: TimeInForce.IOC,
      status: ExecutionStatus.FILLED,
      lastQuantity: 10,
      lastPrice: 1895200,
      orderPrice: 1895000,
      orderQuantity: 10,
      filledQuantity: 10,
      leavesQuantity: 0,
      averagePrice: 1895200,
      timestamp: 1730700001.25,
      rejectCode: '',
      reason: '',
      tickSentNs: 0,
      orderSentNs: 0,
      sequence: 0,
    },
  },
];
for (const c of seedMessages) {
  test(c.name, () => assert.deepEqual(decodeText(c.text), c.expected));
}

test('a MARKET order may leave out its price; a LIMIT order may not', () => {
  const market = decodeText('{"type":4,"data":{"order_id":"m1","symbol":"AAPL","side":"BUY","order_type":"MARKET","time_in_force":"DAY","quantity":5,"timestamp":1}}');
  assert.equal(market.type === MessageType.ORDER && market.price, 0);
  assert.equal(market.type === MessageType.ORDER && market.timeInForce, TimeInForce.DAY);
  assertRefused('{"type":4,"data":{"order_id":"l1","symbol":"AAPL","side":"BUY","quantity":5,"timestamp":1}}', ErrorCode.MESSAGE_INVALID, /ORDER field 'price': missing/);
});

test('a seed NEWS_SENTIMENT maps the sentiment word', () => {
  const message = decodeText(
    '{"type": 2, "data": {"symbol": "TSLA", "timestamp": 1730700002.0, "sentiment": "negative", "score": -0.712, "headline": "Negative news for TSLA"}}',
  );
  assert.equal(message.type, MessageType.NEWS_SENTIMENT);
  assert.equal(message.type === MessageType.NEWS_SENTIMENT && message.sentiment, Sentiment.NEGATIVE);
  assert.equal(message.type === MessageType.NEWS_SENTIMENT && message.score, -0.712);
});

test('seed types 3 and 6 decode as opaque objects; heartbeat and shutdown accept empty data', () => {
  assert.deepEqual(decodeText('{"type": 3, "data": {"symbol": "AAPL", "action": "BUY"}}'), {
    type: MessageType.TRADING_SIGNAL,
    data: { symbol: 'AAPL', action: 'BUY' },
  });
  assert.deepEqual(decodeText('{"type": 6, "data": {}}'), { type: MessageType.ORDERBOOK_UPDATE, data: {} });
  assert.deepEqual({ ...decodeText('{"type": 7, "data": {}}') }, { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 });
  assert.deepEqual(decodeText('{"type": 8, "data": {}}'), { type: MessageType.SHUTDOWN, reason: '' });
});

test('prices print as exact decimals of their units', () => {
  assert.equal(priceText(1895000), '189.5');
  assert.equal(priceText(1895123), '189.5123');
  assert.equal(priceText(5), '0.0005');
  assert.equal(priceText(0), '0');
  assert.equal(priceText(-12345), '-1.2345');
  assert.equal(priceText(1e14), '10000000000');
  assert.equal(priceText(1895000.5), '189.50005', 'fractional units (an average) as a float');
});

test('our MARKET_DATA text is compact JSON with the seed fields first', () => {
  const message = fillBook(createMarketData(5), {
    bids: [[1894900, 300]],
    asks: [[1895100, 523.17]],
    lastPrice: 1895000,
    volume: 10,
    timestamp: 1730700000.123,
    sequence: 3,
    sentNs: 99,
  });
  message.symbol = 'AAPL';
  assert.equal(
    encodeJsonPayload(message),
    '{"type":1,"data":{"symbol":"AAPL","timestamp":1730700000.123,"bids":[[189.49,300]],"asks":[[189.51,523.17]],"last_price":189.5,"volume":10,"sequence":3,"sent_ns":99}}',
  );
});

test('text that is not JSON, or JSON that is not an object, is E_PAYLOAD_MALFORMED', () => {
  assertRefused('{"type": 1, "data": ', ErrorCode.PAYLOAD_MALFORMED, /not valid JSON/);
  assertRefused('{NaN}', ErrorCode.PAYLOAD_MALFORMED);
  assertRefused('[1, 2]', ErrorCode.PAYLOAD_MALFORMED, /an array, not an object/);
  assertRefused('"text"', ErrorCode.PAYLOAD_MALFORMED);
  assertRefused('null', ErrorCode.PAYLOAD_MALFORMED);
  assertRefused('42', ErrorCode.PAYLOAD_MALFORMED);
});

test('unknown type numbers are E_MESSAGE_UNKNOWN_TYPE; a missing or non-integer type is E_MESSAGE_INVALID', () => {
  assertRefused('{"type": 0, "data": {}}', ErrorCode.MESSAGE_UNKNOWN_TYPE);
  assertRefused('{"type": 12, "data": {}}', ErrorCode.MESSAGE_UNKNOWN_TYPE);
  assertRefused('{"type": -1, "data": {}}', ErrorCode.MESSAGE_UNKNOWN_TYPE);
  assertRefused('{"data": {}}', ErrorCode.MESSAGE_INVALID, /'type'/);
  assertRefused('{"type": "1", "data": {}}', ErrorCode.MESSAGE_INVALID, /'type'/);
  assertRefused('{"type": 1.5, "data": {}}', ErrorCode.MESSAGE_INVALID, /'type'/);
  assertRefused('{"type": 1}', ErrorCode.MESSAGE_INVALID, /'data': missing/);
  assertRefused('{"type": 1, "data": [1]}', ErrorCode.MESSAGE_INVALID, /'data'/);
});

const GOOD_MARKET_DATA = { symbol: 'AAPL', timestamp: 1, bids: [[1.5, 10]], asks: [[1.6, 10]], last_price: 1.55, volume: 5 };
function marketDataWith(changes: Record<string, unknown>): string {
  return JSON.stringify({ type: 1, data: { ...GOOD_MARKET_DATA, ...changes } });
}

test('missing or mistyped MARKET_DATA fields are E_MESSAGE_INVALID naming the field', () => {
  assert.doesNotThrow(() => decodeText(marketDataWith({})));
  for (const field of ['symbol', 'timestamp', 'bids', 'asks', 'last_price', 'volume']) {
    assertRefused(marketDataWith({ [field]: undefined }), ErrorCode.MESSAGE_INVALID, new RegExp(`MARKET_DATA field '${field}': missing`));
    assertRefused(marketDataWith({ [field]: true }), ErrorCode.MESSAGE_INVALID, new RegExp(`'${field}'`));
  }
  assertRefused(marketDataWith({ symbol: 'aapl' }), ErrorCode.MESSAGE_INVALID, /'symbol'/);
  assertRefused(marketDataWith({ symbol: 'TOOLONGSYM' }), ErrorCode.MESSAGE_INVALID, /'symbol'/);
  assertRefused(marketDataWith({ bids: [[1.5]] }), ErrorCode.MESSAGE_INVALID, /'bids': level 0/);
  assertRefused(marketDataWith({ asks: [[1.5, '10']] }), ErrorCode.MESSAGE_INVALID, /'asks': level 0/);
  assertRefused(marketDataWith({ asks: [{ price: 1, size: 2 }] }), ErrorCode.MESSAGE_INVALID, /'asks'/);
  assertRefused(marketDataWith({ sequence: 'x' }), ErrorCode.MESSAGE_INVALID, /'sequence'/);
});

test('Infinity (a JSON number like 1e400) and out-of-range prices are refused', () => {
  assertRefused('{"type":1,"data":{"symbol":"A","timestamp":1e400,"bids":[],"asks":[],"last_price":1,"volume":0}}', ErrorCode.MESSAGE_INVALID, /'timestamp'/);
  assertRefused('{"type":1,"data":{"symbol":"A","timestamp":1,"bids":[[1e400,1]],"asks":[],"last_price":1,"volume":0}}', ErrorCode.MESSAGE_INVALID, /'bids'/);
  assertRefused('{"type":1,"data":{"symbol":"A","timestamp":1,"bids":[[1,-1e400]],"asks":[],"last_price":1,"volume":0}}', ErrorCode.MESSAGE_INVALID, /'bids'/);
  assertRefused(marketDataWith({ last_price: 1e12 }), ErrorCode.MESSAGE_INVALID, /'last_price': price 1000000000000 outside/);
  assertRefused('{"type":4,"data":{"order_id":"a","symbol":"A","side":"BUY","price":-1e999,"quantity":1,"timestamp":1}}', ErrorCode.MESSAGE_INVALID, /'price'/);
});

test('more levels than a book can hold are refused before anything is copied', () => {
  const levels = Array.from({ length: 33 }, (_, i) => [100 + i, 1]);
  assertRefused(marketDataWith({ bids: levels }), ErrorCode.MESSAGE_INVALID, /'bids': 33 levels exceed the maximum of 32/);
  const small = new JsonDecoder({ marketData: createMarketData(2) });
  assert.throws(() => decodeText(marketDataWith({ asks: [[1, 1], [2, 1], [3, 1]] }), small), { code: ErrorCode.MESSAGE_INVALID });
});

test('enumerations accept only their words (no prototype keys)', () => {
  const orderWith = (changes: Record<string, unknown>): string =>
    JSON.stringify({ type: 4, data: { order_id: 'o', symbol: 'A', side: 'BUY', price: 1, quantity: 1, timestamp: 1, ...changes } });
  assert.doesNotThrow(() => decodeText(orderWith({})));
  assertRefused(orderWith({ side: 'buy' }), ErrorCode.MESSAGE_INVALID, /'side': expected one of BUY\/SELL/);
  assertRefused(orderWith({ side: 'constructor' }), ErrorCode.MESSAGE_INVALID, /'side'/);
  assertRefused(orderWith({ side: 1 }), ErrorCode.MESSAGE_INVALID, /'side'/);
  assertRefused(orderWith({ order_type: 'STOP' }), ErrorCode.MESSAGE_INVALID, /'order_type'/);
  assertRefused(orderWith({ time_in_force: 'GTC' }), ErrorCode.MESSAGE_INVALID, /'time_in_force'/);
  assertRefused(orderWith({ order_id: '' }), ErrorCode.MESSAGE_INVALID, /'order_id': length 0/);
  assertRefused(orderWith({ order_id: 'x'.repeat(65) }), ErrorCode.MESSAGE_INVALID, /'order_id': length 65/);
  assertRefused(orderWith({ signal_data: [1] }), ErrorCode.MESSAGE_INVALID, /'signal_data'/);
  assertRefused(orderWith({ quantity: '5' }), ErrorCode.MESSAGE_INVALID, /'quantity'/);
  const news = JSON.stringify({ type: 2, data: { symbol: 'A', timestamp: 1, sentiment: 'great', score: 1, headline: '' } });
  assertRefused(news, ErrorCode.MESSAGE_INVALID, /'sentiment': expected one of negative\/neutral\/positive/);
  const execution = JSON.stringify({
    type: 5,
    data: { execution_id: 'e', order_id: 'o', symbol: 'A', side: 'BUY', quantity: 1, order_price: 1, execution_price: 1, timestamp: 1, status: 'DONE' },
  });
  assertRefused(execution, ErrorCode.MESSAGE_INVALID, /'status'/);
});

test('HELLO needs an integer protocol version and a boolean binary flag', () => {
  assert.deepEqual(decodeText('{"type":9,"data":{"protocol_version":1,"client_name":"strategy","binary":true}}'), {
    type: MessageType.HELLO,
    protocolVersion: 1,
    clientName: 'strategy',
    binary: true,
  });
  assertRefused('{"type":9,"data":{"client_name":"x"}}', ErrorCode.MESSAGE_INVALID, /'protocol_version'/);
  assertRefused('{"type":9,"data":{"protocol_version":1.5}}', ErrorCode.MESSAGE_INVALID, /'protocol_version'/);
  assertRefused('{"type":9,"data":{"protocol_version":1,"binary":"yes"}}', ErrorCode.MESSAGE_INVALID, /'binary'/);
});

test('encoding refuses what decoding would refuse, naming the field', () => {
  const message = createMarketData(2);
  message.symbol = 'AAPL';
  message.bidCount = 1;
  message.bidPrices[0] = Number.NaN;
  assert.throws(() => encodeJsonPayload(message), { code: ErrorCode.MESSAGE_INVALID, message: /'bids'/ });
  message.bidPrices[0] = 1.5;
  assert.throws(() => encodeJsonPayload(message), { code: ErrorCode.MESSAGE_INVALID, message: /integer price units/ });
  message.bidPrices[0] = 1;
  message.timestamp = Number.POSITIVE_INFINITY;
  assert.throws(() => encodeJsonPayload(message), { code: ErrorCode.MESSAGE_INVALID, message: /'timestamp'/ });
  message.timestamp = 1;
  message.bidCount = 3;
  assert.throws(() => encodeJsonPayload(message), { code: ErrorCode.MESSAGE_INVALID, message: /'bids': level count 3/ });
  message.bidCount = 1;
  message.symbol = 'A"B';
  assert.throws(() => encodeJsonPayload(message), { code: ErrorCode.MESSAGE_INVALID, message: /'symbol'/ });
  assert.throws(
    () =>
      encodeJsonPayload({
        type: MessageType.ORDER,
        orderId: 'o',
        symbol: 'A',
        side: 3 as Side,
        orderType: OrderType.LIMIT,
        timeInForce: TimeInForce.IOC,
        price: 1,
        quantity: 1,
        timestamp: 1,
        tickSentNs: 0,
        orderSentNs: 0,
      }),
    { code: ErrorCode.MESSAGE_INVALID, message: /'side'/ },
  );
  assert.throws(() => encodeJsonPayload({ type: 99 } as unknown as Message), { code: ErrorCode.MESSAGE_UNKNOWN_TYPE });
});

test('a resumed HELLO answer carries replay_to and the working order ids, and bad ones are refused naming the field', () => {
  const answer: Message = {
    type: MessageType.HELLO,
    protocolVersion: 1,
    clientName: 'ordermanager',
    binary: true,
    session: 'journal-1',
    lastSequence: 4,
    resumed: true,
    replayTo: 9,
    working: ['s-1', 's-7'],
  };
  const text = encodeJsonPayload(answer);
  assert.match(text, /"replay_to":9,"working":\["s-1","s-7"\]/);
  assert.deepEqual(decodeText(text), answer);
  // an older server says neither: both stay absent
  const older = decodeText('{"type":9,"data":{"protocol_version":1,"client_name":"ordermanager","binary":true,"session":"j","last_seq":4,"resumed":true}}');
  assert.ok(older.type === MessageType.HELLO && older.working === undefined && older.replayTo === undefined);
  const bad = (field: string): string => `{"type":9,"data":{"protocol_version":1,"binary":true,${field}}}`;
  assertRefused(bad('"working":"s-1"'), ErrorCode.MESSAGE_INVALID, /working/);
  assertRefused(bad('"working":[""]'), ErrorCode.MESSAGE_INVALID, /working/);
  assertRefused(bad(`"working":["${'x'.repeat(65)}"]`), ErrorCode.MESSAGE_INVALID, /working/);
  assertRefused(bad(`"working":${JSON.stringify(Array.from({ length: 8193 }, (_, i) => `o${i}`))}`), ErrorCode.MESSAGE_INVALID, /working/);
  assertRefused(bad('"replay_to":-1'), ErrorCode.MESSAGE_INVALID, /replay_to/);
  assert.throws(() => encodeJsonPayload({ ...answer, working: [''] }), /working/);
});

test("a HELLO's priority: true is carried, absent or false means none, and anything else is refused naming the field", () => {
  const hello: Message = { type: MessageType.HELLO, protocolVersion: 1, clientName: 'strategy', binary: true, priority: true };
  const text = encodeJsonPayload(hello);
  assert.match(text, /"priority":true/);
  assert.deepEqual(decodeText(text), hello);
  // the seed's clients say nothing of it, and false is the same as nothing
  const seed = decodeText('{"type":9,"data":{"protocol_version":1,"client_name":"orderbook","binary":false}}');
  assert.ok(seed.type === MessageType.HELLO && seed.priority === undefined);
  const no = decodeText('{"type":9,"data":{"protocol_version":1,"client_name":"orderbook","binary":false,"priority":false}}');
  assert.ok(no.type === MessageType.HELLO && no.priority === undefined);
  assertRefused('{"type":9,"data":{"protocol_version":1,"binary":true,"priority":"yes"}}', ErrorCode.MESSAGE_INVALID, /priority/);
});
