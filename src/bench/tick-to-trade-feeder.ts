/**
 * The market side of the tick-to-trade benchmark, run as its own process by
 * tick-to-trade-bench.ts: the gateway and the orderbook in one small program.
 *
 *   node tick-to-trade-feeder.js SHM_NAME TICKS INTERVAL_MS [SYMBOL_COUNT]
 *
 * It creates the book segment SHM_NAME (symbols FEED_SYMBOLS, or SYMBOL_COUNT generated
 * ones for the scale benchmark; beating every 50 ms), listens
 * on an ephemeral loopback port (printed as `ready port=N` on stdout) and, on a `go` line
 * on stdin, sends every client one positive news item per symbol and then TICKS binary
 * MARKET_DATA frames, one every INTERVAL_MS (a timer per tick, so ticks never queue behind
 * each other), the symbols in turn. For each tick it first writes the symbol's new book
 * into shared memory (as the orderbook process would have by then), then stamps the tick
 * with the monotonic clock (`sentNs`), encodes it and writes it to the socket at once.
 * Each symbol's mid rises by 0.01 every tick, so the seed rule with a zero lookback sees a
 * rise on every tick. Prints `done sent=N seconds=S` when finished and exits when stdin
 * closes or the client goes away, unlinking the segment.
 */
import { helloAnswerFrame } from '../session/hello-answer.js';
import { createL2Book } from '../core/book.js';
import { epochSeconds, monotonicNs } from '../core/clock.js';
import { FrameServer } from '../net/frame-server.js';
import { loadServerTls } from '../net/tls-options.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { MessageType, Sentiment, type NewsSentiment } from '../protocol/messages.js';
import { createMarketData } from '../protocol/reusable-messages.js';
import { BookWriter } from '../shm/book-writer.js';
import { syntheticSymbols } from '../core/symbol-list.js';
import { FEED_SYMBOLS } from './tick-to-trade-bench.js';
const LEVELS = 5;
const START_MID_UNITS = 1_000_000; // 100.00
const STEP_UNITS = 100; // 0.01 per tick: 1e-4 relative, far above the bench's threshold
/** A feeder left behind by a crashed parent must not live forever. */
const MAX_LIFETIME_MS = 300_000;

function main(): void {
  // TLS_CERT TLS_KEY (optional, after SYMBOL_COUNT): serve the ticks over TLS
  const [name, ticksArg, intervalArg, symbolCountArg, tlsCert, tlsKey] = process.argv.slice(2);
  const ticks = Number(ticksArg);
  const intervalMs = Number(intervalArg ?? 1);
  const symbolCount = Number(symbolCountArg ?? FEED_SYMBOLS.length);
  if (name === undefined || !Number.isInteger(ticks) || ticks < 1 || !(intervalMs >= 0) || !Number.isInteger(symbolCount) || symbolCount < 1) {
    process.stderr.write('usage: tick-to-trade-feeder SHM_NAME TICKS INTERVAL_MS [SYMBOL_COUNT [TLS_CERT TLS_KEY]]\n');
    process.exitCode = 2;
    return;
  }
  const lifetime = setTimeout(() => process.exit(3), MAX_LIFETIME_MS);
  lifetime.unref();

  const symbols: readonly string[] = symbolCount === FEED_SYMBOLS.length ? FEED_SYMBOLS : syntheticSymbols(symbolCount);
  const writer = BookWriter.create({ name, symbols, depth: 10, replaceStale: true });
  writer.setFeedConnected(true);
  writer.heartbeat();
  const beat = setInterval(() => writer.heartbeat(), 50);
  const encoder = new MessageEncoder({ mode: 'binary' });
  const tick = createMarketData();
  const book = createL2Book();
  const mids = new Float64Array(symbols.length).fill(START_MID_UNITS);
  let finished = false;

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(beat);
    writer.close();
    try {
      writer.unlink();
    } catch {
      // the benchmark unlinks it as soon as the strategy has it mapped
    }
    void server.close().then(() => process.exit(0));
  };

  // the strategy's HELLO is answered as our gateway answers it (it sends binary anyway)
  const decoder = new MessageDecoder();
  const server = new FrameServer({
    tls: tlsCert === undefined || tlsKey === undefined ? undefined : loadServerTls({ cert: tlsCert, key: tlsKey }),
    onFrame: (client, buffer, offset, length) => {
      const message = decoder.decode(buffer, offset, length);
      if (message.type === MessageType.HELLO) client.send(helloAnswerFrame(message, 'bench-feeder'));
    },
    onDisconnect: finish,
  });

  const stream = (): void => {
    for (const symbol of symbols) {
      const news: NewsSentiment = {
        type: MessageType.NEWS_SENTIMENT,
        symbol,
        timestamp: epochSeconds(),
        sentiment: Sentiment.POSITIVE,
        score: 1,
        headline: 'benchmark: every rise is news-backed',
        sequence: 0,
        sentNs: monotonicNs(),
      };
      const bytes = encoder.encode(news);
      for (const client of server.clients) client.send(encoder.buffer.subarray(0, bytes));
    }
    let sent = 0;
    const startedNs = monotonicNs();
    const sendOne = (): void => {
      if (finished) return;
      const index = sent % symbols.length;
      const mid = (mids[index] += STEP_UNITS);
      for (let i = 0; i < LEVELS; i++) {
        book.bidPrices[i] = mid - 100 - i * 100;
        book.bidSizes[i] = 100;
        book.askPrices[i] = mid + 100 + i * 100;
        book.askSizes[i] = 100;
      }
      book.bidCount = LEVELS;
      book.askCount = LEVELS;
      book.lastPrice = mid;
      book.timestamp = epochSeconds();
      book.sequence = sent + 1;
      writer.write(index, book);
      // the tick: the same book, stamped the moment it goes out
      tick.symbol = symbols[index] ?? '';
      for (let i = 0; i < LEVELS; i++) {
        tick.bidPrices[i] = book.bidPrices[i] ?? 0;
        tick.bidSizes[i] = 100;
        tick.askPrices[i] = book.askPrices[i] ?? 0;
        tick.askSizes[i] = 100;
      }
      tick.bidCount = LEVELS;
      tick.askCount = LEVELS;
      tick.lastPrice = mid;
      tick.volume = sent;
      tick.timestamp = book.timestamp;
      tick.sequence = book.sequence;
      tick.sentNs = monotonicNs();
      const bytes = encoder.encode(tick);
      for (const client of server.clients) {
        client.send(encoder.buffer.subarray(0, bytes));
        client.flush();
      }
      sent++;
      if (sent < ticks) {
        setTimeout(sendOne, intervalMs);
      } else {
        process.stdout.write(`done sent=${sent} seconds=${((monotonicNs() - startedNs) / 1e9).toFixed(3)}\n`);
      }
    };
    sendOne();
  };

  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    if (text.includes('go')) stream();
  });
  process.stdin.on('end', finish);
  process.on('SIGTERM', finish);
  server.listen(0).then(
    ({ port }) => process.stdout.write(`ready port=${port}\n`),
    (error: unknown) => {
      process.stderr.write(`tick-to-trade-feeder: ${String(error)}\n`);
      finish();
      process.exitCode = 1;
    },
  );
}

main();
