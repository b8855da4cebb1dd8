/**
 * Compatibility with the real seed, not with our idea of it: python3 builds frames exactly
 * as the seed's protocol.py does (`struct.pack('>I', len(b)) + json.dumps({...}).encode()`)
 * from dictionaries shaped exactly as the seed's gateway, strategy and order manager shape
 * them, and reads our frames with the seed's read_message / deserialize.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { ExecutionStatus, MessageType, OrderType, Sentiment, Side, TimeInForce } from '../../src/protocol/messages.js';
import type { Message } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { fillBook, ladder } from '../helpers/books.js';

/** The seed's framing and message shapes, verbatim where it matters. */
const SEED_PYTHON = String.raw`
import base64, json, random, struct, sys, time
from enum import Enum

class MessageType(Enum):
    MARKET_DATA = 1
    NEWS_SENTIMENT = 2
    TRADING_SIGNAL = 3
    ORDER = 4
    TRADE_EXECUTION = 5
    ORDERBOOK_UPDATE = 6
    HEARTBEAT = 7
    SHUTDOWN = 8

def serialize(msg_type, data):
    json_bytes = json.dumps({'type': msg_type.value, 'data': data}).encode('utf-8')
    return struct.pack('>I', len(json_bytes)) + json_bytes

def generate_market_data(symbol):
    base_price = random.uniform(100, 500)
    spread = base_price * 0.001
    bids, asks = [], []
    for i in range(5):
        size = random.uniform(100, 1000)
        bids.append([round(base_price - spread - i * 0.1, 2), round(size, 2)])
        asks.append([round(base_price + spread + i * 0.1, 2), round(size, 2)])
    return {'symbol': symbol, 'timestamp': time.time(), 'bids': bids, 'asks': asks,
            'last_price': round(base_price, 2), 'volume': random.randint(1000, 100000)}

def generate_news_sentiment(symbol):
    sentiment = random.choice(['positive', 'negative', 'neutral'])
    score = random.uniform(0.3, 1.0) if sentiment == 'positive' else random.uniform(-1.0, -0.3) if sentiment == 'negative' else random.uniform(-0.2, 0.2)
    return {'symbol': symbol, 'timestamp': time.time(), 'sentiment': sentiment, 'score': round(score, 3),
            'headline': f"{sentiment.title()} news for {symbol}"}

def create_order(symbol, action, price):
    return {'order_id': f"ORD_{int(time.time() * 1000000)}", 'symbol': symbol, 'side': action, 'price': price,
            'quantity': random.randint(10, 100), 'timestamp': time.time(),
            'signal_data': {'price_change': 0.0123, 'sentiment': 0.4567}}

def execute_order(order):
    execution_price = order['price'] * (1 + random.uniform(-0.001, 0.001))
    return {'execution_id': f"EXEC_{int(time.time() * 1000000)}", 'order_id': order['order_id'], 'symbol': order['symbol'],
            'side': order['side'], 'quantity': order['quantity'], 'order_price': order['price'],
            'execution_price': round(execution_price, 2), 'timestamp': time.time(), 'status': 'FILLED'}

class BytesSocket:
    def __init__(self, data):
        self.data, self.position = data, 0
    def recv(self, n):
        chunk = self.data[self.position:self.position + n]
        self.position += len(chunk)
        return chunk

def read_message(sock):
    length_bytes = b''
    while len(length_bytes) < 4:
        chunk = sock.recv(4 - len(length_bytes))
        if not chunk:
            raise ConnectionError("Socket connection broken")
        length_bytes += chunk
    length = struct.unpack('>I', length_bytes)[0]
    data = b''
    while len(data) < length:
        chunk = sock.recv(min(length - len(data), 4096))
        if not chunk:
            raise ConnectionError("Socket connection broken")
        data += chunk
    msg_dict = json.loads(data.decode('utf-8'))
    return MessageType(msg_dict['type']), msg_dict['data']

if sys.argv[1] == 'produce':
    random.seed(20240601)
    messages = []
    for symbol in ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA']:
        messages.append((MessageType.MARKET_DATA, generate_market_data(symbol)))
    messages.append((MessageType.NEWS_SENTIMENT, generate_news_sentiment('TSLA')))
    unicode_news = generate_news_sentiment('AAPL')
    unicode_news['headline'] = 'Résumé ✓ für AAPL — "quoted" \\ 🚀'
    messages.append((MessageType.NEWS_SENTIMENT, unicode_news))
    order = create_order('MSFT', 'BUY', 412.07)
    messages.append((MessageType.ORDER, order))
    messages.append((MessageType.TRADE_EXECUTION, execute_order(order)))
    messages.append((MessageType.SHUTDOWN, {}))
    frames = b''.join(serialize(t, d) for t, d in messages)
    json.dump({'frames': base64.b64encode(frames).decode('ascii'), 'expected': [[t.value, d] for t, d in messages]}, sys.stdout)
else:
    sock = BytesSocket(sys.stdin.buffer.read())
    received = []
    while sock.position < len(sock.data):
        msg_type, data = read_message(sock)
        if msg_type == MessageType.MARKET_DATA:
            # what the seed's strategy and orderbook read
            data['seed_view'] = [data['symbol'], data.get('last_price', 0), data['bids'][0][0], data['asks'][0][0]]
        elif msg_type == MessageType.ORDER:
            # what the seed's order manager computes with
            data['seed_view'] = [data['order_id'], data['side'], data['quantity'], data['symbol'], data['price'] * 1.0]
        received.append([msg_type.value, data])
    json.dump(received, sys.stdout)
`;

function runSeed(mode: 'produce' | 'consume', input?: Buffer): unknown {
  const result = spawnSync('python3', ['-c', SEED_PYTHON, mode], { input, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 });
  assert.equal(result.error, undefined, `python3 could not run: ${String(result.error)}`);
  assert.equal(result.status, 0, `python3 failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString('utf8'));
}

type SeedData = Record<string, unknown>;

test('frames built by the seed decode here, field by field', () => {
  const { frames, expected } = runSeed('produce') as { frames: string; expected: [number, SeedData][] };
  const decoder = new MessageDecoder();
  let index = 0;
  const frameDecoder = new FrameDecoder((buffer, offset, length) => {
    const [type, data] = expected[index++];
    const message = decoder.decode(buffer, offset, length);
    assert.equal(decoder.lastKind, 'json');
    assert.equal(message.type, type);
    switch (message.type) {
      case MessageType.MARKET_DATA: {
        assert.equal(message.symbol, data.symbol);
        assert.equal(message.timestamp, data.timestamp);
        const bids = data.bids as [number, number][];
        const asks = data.asks as [number, number][];
        assert.equal(message.bidCount, bids.length);
        assert.equal(message.askCount, asks.length);
        bids.forEach(([price, size], i) => {
          assert.equal(message.bidPrices[i], toPriceUnits(price));
          assert.equal(message.bidSizes[i], size);
        });
        asks.forEach(([price, size], i) => {
          assert.equal(message.askPrices[i], toPriceUnits(price));
          assert.equal(message.askSizes[i], size);
        });
        assert.equal(message.lastPrice, toPriceUnits(data.last_price as number));
        assert.equal(message.volume, data.volume);
        break;
      }
      case MessageType.NEWS_SENTIMENT:
        assert.equal(message.symbol, data.symbol);
        assert.equal(message.timestamp, data.timestamp);
        assert.equal(message.sentiment, { positive: Sentiment.POSITIVE, negative: Sentiment.NEGATIVE, neutral: Sentiment.NEUTRAL }[data.sentiment as string]);
        assert.equal(message.score, data.score);
        assert.equal(message.headline, data.headline);
        break;
      case MessageType.ORDER:
        assert.equal(message.orderId, data.order_id);
        assert.equal(message.symbol, 'MSFT');
        assert.equal(message.side, Side.BUY);
        assert.equal(message.orderType, OrderType.LIMIT);
        assert.equal(message.timeInForce, TimeInForce.IOC);
        assert.equal(message.price, 4_120_700);
        assert.equal(message.quantity, data.quantity);
        assert.equal(message.timestamp, data.timestamp);
        assert.deepEqual(message.signalData, data.signal_data);
        break;
      case MessageType.TRADE_EXECUTION:
        assert.equal(message.executionId, data.execution_id);
        assert.equal(message.orderId, data.order_id);
        assert.equal(message.status, ExecutionStatus.FILLED);
        assert.equal(message.lastQuantity, data.quantity);
        assert.equal(message.lastPrice, toPriceUnits(data.execution_price as number));
        assert.equal(message.orderPrice, 4_120_700);
        assert.equal(message.averagePrice, message.lastPrice);
        break;
      case MessageType.SHUTDOWN:
        assert.equal(message.reason, '');
        break;
      default:
        assert.fail(`unexpected message type ${message.type}`);
    }
  });
  assert.equal(frameDecoder.push(Buffer.from(frames, 'base64')), undefined);
  assert.equal(index, expected.length, 'every seed frame was delivered');
});

test('frames we build are read by the seed, with the values its processes use', () => {
  const encoder = new MessageEncoder();
  const book = fillBook(createMarketData(5), {
    bids: ladder(5, 1_894_900, -1000, (i) => 100 * (i + 1)),
    asks: ladder(5, 1_895_100, 1000, () => 523.17),
    lastPrice: 1_895_000,
    volume: 48_213,
    timestamp: 1730700000.123456,
    sequence: 9,
    sentNs: 123_456_789,
  });
  book.symbol = 'AAPL';
  const messages: Message[] = [
    book,
    {
      type: MessageType.NEWS_SENTIMENT,
      symbol: 'TSLA',
      timestamp: 1730700001.5,
      sentiment: Sentiment.NEGATIVE,
      score: -0.712,
      headline: 'Résumé ✓ — "quoted" \\ 🚀',
      sequence: 10,
      sentNs: 5,
    },
    {
      type: MessageType.ORDER,
      orderId: 'S-1',
      symbol: 'MSFT',
      side: Side.SELL,
      orderType: OrderType.LIMIT,
      timeInForce: TimeInForce.DAY,
      price: 4_120_750,
      quantity: 42,
      timestamp: 1730700002.25,
      tickSentNs: 1,
      orderSentNs: 2,
      signalData: { price_change: -0.0021 },
    },
    {
      type: MessageType.TRADE_EXECUTION,
      executionId: 'E-1',
      orderId: 'S-1',
      symbol: 'MSFT',
      side: Side.SELL,
      orderType: OrderType.LIMIT,
      timeInForce: TimeInForce.DAY,
      status: ExecutionStatus.PARTIALLY_FILLED,
      lastQuantity: 40,
      lastPrice: 4_120_800,
      orderPrice: 4_120_750,
      orderQuantity: 42,
      filledQuantity: 40,
      leavesQuantity: 2,
      averagePrice: 4_120_800,
      timestamp: 1730700002.5,
      rejectCode: '',
      reason: '',
      tickSentNs: 1,
      orderSentNs: 2,
      sequence: 7,
    },
    { type: MessageType.HEARTBEAT, timestamp: 1730700003, sentNs: 7 },
    { type: MessageType.SHUTDOWN, reason: 'gateway stopping' },
  ];
  const stream = Buffer.concat(
    messages.map((message) => {
      const bytes = encoder.encode(message, 'json');
      return Buffer.from(encoder.buffer.subarray(0, bytes));
    }),
  );
  const received = runSeed('consume', stream) as [number, SeedData][];
  assert.deepEqual(
    received.map(([type]) => type),
    messages.map((message) => message.type),
  );
  const [marketData, news, order, execution, heartbeat, shutdown] = received.map(([, data]) => data);
  assert.deepEqual(marketData.seed_view, ['AAPL', 189.5, 189.49, 189.51]);
  assert.deepEqual(marketData.bids, [[189.49, 100], [189.39, 200], [189.29, 300], [189.19, 400], [189.09, 500]]);
  assert.equal(marketData.timestamp, 1730700000.123456);
  assert.equal(marketData.volume, 48_213);
  assert.equal(news.sentiment, 'negative');
  assert.equal(news.score, -0.712);
  assert.equal(news.headline, 'Résumé ✓ — "quoted" \\ 🚀');
  assert.deepEqual(order.seed_view, ['S-1', 'SELL', 42, 'MSFT', 412.075]);
  assert.deepEqual(order.signal_data, { price_change: -0.0021 });
  assert.equal(execution.quantity, 40, "the seed's quantity is this fill's quantity");
  assert.equal(execution.execution_price, 412.08, "the seed's execution_price is this fill's price");
  assert.equal(execution.order_price, 412.075);
  assert.equal(execution.status, 'PARTIALLY_FILLED');
  assert.equal(execution.leaves_quantity, 2);
  assert.equal(heartbeat.sent_ns, 7);
  assert.equal(shutdown.reason, 'gateway stopping');
});
