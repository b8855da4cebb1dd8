/**
 * fast-check generators of valid messages (every field within the codecs' limits), and a
 * normaliser that turns a decoded message into a plain value for deepEqual: MarketData
 * levels cut to their counts, reusable objects copied.
 */
import fc from 'fast-check';
import { MAX_BOOK_DEPTH } from '../../src/core/book.js';
import { MessageType } from '../../src/protocol/messages.js';
import type {
  Cancel,
  ErrorMessage,
  ExecutionReport,
  ExecutionStatus,
  Heartbeat,
  Hello,
  MarketData,
  Message,
  NewsSentiment,
  OpaqueMessage,
  Order,
  OrderType,
  Sentiment,
  Side,
  Shutdown,
  TimeInForce,
} from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { MAX_PRICE_UNITS } from '../../src/protocol/validation.js';
import { fillBook } from '../helpers/books.js';

/** JSON has no -0: "-0" and "0" both mean zero, so generated numbers avoid it. */
const noNegativeZero = (value: number): number => (value === 0 ? 0 : value);

export const finiteNumber = fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero);
export const timestamp = fc.oneof(
  fc.double({ min: 1.5e9, max: 2e9, noNaN: true }),
  fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }).map((ms) => ms / 1000),
  finiteNumber,
);
export const nanoseconds = fc.oneof(fc.constant(0), fc.maxSafeNat());
export const quantity = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), finiteNumber);
export const priceUnits = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.bigInt({ min: BigInt(-MAX_PRICE_UNITS), max: BigInt(MAX_PRICE_UNITS) }).map(Number),
);
export const symbol = fc.stringMatching(/^[A-Z0-9._-]{1,8}$/);
const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });
/** ≤ 32 code points is ≤ 64 UTF-16 units, the id limit. */
const id = (minLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength, maxLength: 32 });
const side = fc.constantFrom<Side>(1, 2);
const orderType = fc.constantFrom<OrderType>(1, 2);
const timeInForce = fc.constantFrom<TimeInForce>(1, 2);

const levels = fc.array(fc.tuple(priceUnits, quantity), { maxLength: MAX_BOOK_DEPTH });

export const marketData: fc.Arbitrary<MarketData> = fc
  .record({
    symbol,
    timestamp,
    bids: levels,
    asks: levels,
    lastPrice: priceUnits,
    volume: quantity,
    sequence: fc.maxSafeNat(),
    sentNs: nanoseconds,
  })
  .map((fields) => {
    const message = fillBook(createMarketData(MAX_BOOK_DEPTH), fields);
    message.symbol = fields.symbol;
    return message;
  });

export const news: fc.Arbitrary<NewsSentiment> = fc.record({
  type: fc.constant(MessageType.NEWS_SENTIMENT),
  symbol,
  timestamp,
  sentiment: fc.constantFrom<Sentiment>(-1, 0, 1),
  score: fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }).map(noNegativeZero), finiteNumber),
  headline: text(200),
  sequence: fc.maxSafeNat(),
  sentNs: nanoseconds,
});

const signalData = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });

export const order: fc.Arbitrary<Order> = fc
  .record(
    {
      type: fc.constant(MessageType.ORDER),
      orderId: id(1),
      symbol,
      side,
      orderType,
      timeInForce,
      price: priceUnits,
      quantity,
      timestamp,
      tickSentNs: nanoseconds,
      orderSentNs: nanoseconds,
      signalData: signalData as fc.Arbitrary<Record<string, unknown>>,
    },
    { requiredKeys: ['type', 'orderId', 'symbol', 'side', 'orderType', 'timeInForce', 'price', 'quantity', 'timestamp', 'tickSentNs', 'orderSentNs'] },
  );

export const cancel: fc.Arbitrary<Cancel> = fc.record({
  type: fc.constant(MessageType.CANCEL),
  orderId: id(1),
  symbol,
  timestamp,
});

export const execution: fc.Arbitrary<ExecutionReport> = fc.record({
  type: fc.constant(MessageType.TRADE_EXECUTION),
  executionId: id(0),
  orderId: id(0),
  symbol,
  side,
  orderType,
  timeInForce,
  status: fc.constantFrom<ExecutionStatus>(1, 2, 3, 4, 5),
  lastQuantity: quantity,
  lastPrice: priceUnits,
  orderPrice: priceUnits,
  orderQuantity: quantity,
  filledQuantity: quantity,
  leavesQuantity: quantity,
  averagePrice: fc.oneof(priceUnits, fc.tuple(priceUnits, fc.integer({ min: 1, max: 99 })).map(([units, cents]) => units + cents / 100)),
  timestamp,
  rejectCode: fc.constantFrom('', 'E_RISK_MAX_QTY', 'E_RISK_PRICE_COLLAR'),
  reason: text(100),
  tickSentNs: nanoseconds,
  orderSentNs: nanoseconds,
  sequence: fc.integer({ min: 0, max: 2 ** 40 }),
});

export const heartbeat: fc.Arbitrary<Heartbeat> = fc.record({
  type: fc.constant(MessageType.HEARTBEAT),
  timestamp,
  sentNs: nanoseconds,
});

export const shutdown: fc.Arbitrary<Shutdown> = fc.record({ type: fc.constant(MessageType.SHUTDOWN), reason: text(100) });

export const hello: fc.Arbitrary<Hello> = fc.record(
  {
    type: fc.constant(MessageType.HELLO),
    protocolVersion: fc.integer({ min: 0, max: 0xffff }),
    clientName: id(0),
    binary: fc.boolean(),
    // absent means true: only false is carried (a flag bit, a JSON field)
    marketData: fc.constant(false),
    // absent means false: only true is carried
    priority: fc.constant(true),
  },
  { requiredKeys: ['type', 'protocolVersion', 'clientName', 'binary'] },
);

export const errorMessage: fc.Arbitrary<ErrorMessage> = fc.record({
  type: fc.constant(MessageType.ERROR),
  code: fc.constantFrom('E_MESSAGE_INVALID', 'E_PAYLOAD_MALFORMED', ''),
  message: text(200),
});

export const opaque: fc.Arbitrary<OpaqueMessage> = fc.record({
  type: fc.constantFrom(MessageType.TRADING_SIGNAL, MessageType.ORDERBOOK_UPDATE),
  data: signalData as fc.Arbitrary<Record<string, unknown>>,
});

/** Every message our binary codec carries. */
export const binaryMessage: fc.Arbitrary<Message> = fc.oneof(
  marketData,
  news,
  order,
  cancel,
  execution,
  heartbeat,
  shutdown,
  hello,
  errorMessage,
);

/** Every message (the JSON codec also carries TRADING_SIGNAL and ORDERBOOK_UPDATE). */
export const anyMessage: fc.Arbitrary<Message> = fc.oneof(binaryMessage, opaque);

/** A plain, comparable copy: MarketData levels cut to their counts, JSON values re-parsed. */
export function normalize(message: Message, options: { keepSignalData: boolean }): Record<string, unknown> {
  if (message.type === MessageType.MARKET_DATA) {
    return {
      type: message.type,
      symbol: message.symbol,
      timestamp: message.timestamp,
      bids: Array.from({ length: message.bidCount }, (_, i) => [message.bidPrices[i], message.bidSizes[i]]),
      asks: Array.from({ length: message.askCount }, (_, i) => [message.askPrices[i], message.askSizes[i]]),
      lastPrice: message.lastPrice,
      volume: message.volume,
      sequence: message.sequence,
      sentNs: message.sentNs,
    };
  }
  const copy: Record<string, unknown> = { ...message };
  if (message.type === MessageType.ORDER) {
    if (!options.keepSignalData || message.signalData === undefined) delete copy.signalData;
    else copy.signalData = JSON.parse(JSON.stringify(message.signalData));
  }
  if (message.type === MessageType.TRADING_SIGNAL || message.type === MessageType.ORDERBOOK_UPDATE) {
    copy.data = JSON.parse(JSON.stringify(message.data));
  }
  return copy;
}
