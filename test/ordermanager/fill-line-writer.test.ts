// The fill line written as bytes (fill-line-writer.ts) against the string encoder it replaces
// on the append path (encodeFillLine, the oracle): the trade log is the durable format, so the
// bytes must be the same for every value that can occur, and for those that should not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';
import type { Liquidity } from '../../src/ordermanager/execution-journal.js';
import { fillLineMaxBytes, writeFillLine } from '../../src/ordermanager/fill-line-writer.js';
import { JournalFile } from '../../src/ordermanager/journal-staging.js';
import { sealLine } from '../../src/ordermanager/line-checksum.js';
import { TradeLog } from '../../src/ordermanager/trade-log.js';
import { createLoggedFill, encodeFillLine, parseFillLine } from '../../src/ordermanager/trade-log-line.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';

test.after(cleanupAll);

/** A small deterministic generator (xorshift), so a failure can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

function report(fields: Partial<ExecutionReport>): ExecutionReport {
  return {
    type: MessageType.TRADE_EXECUTION,
    executionId: 'E1',
    orderId: 'order-1',
    symbol: 'AAPL',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    status: ExecutionStatus.FILLED,
    lastQuantity: 100,
    lastPrice: 1_894_900,
    orderPrice: 1_895_000,
    orderQuantity: 100,
    filledQuantity: 100,
    leavesQuantity: 0,
    averagePrice: 1_894_900,
    timestamp: 1_764_050_000.123,
    rejectCode: '',
    reason: '',
    tickSentNs: 1,
    orderSentNs: 2,
    sequence: 0,
    ...fields,
  };
}

/** Writes the line at `at` of a buffer of garbage and checks it against the oracle; returns the problem, if any. */
function mismatch(fill: ExecutionReport, client: string, liquidity: Liquidity, bookSequence: number, target: Buffer, at: number): string | undefined {
  const expected = Buffer.from(encodeFillLine(fill, client, liquidity, bookSequence), 'utf8');
  const max = fillLineMaxBytes(fill, client, liquidity);
  if (expected.length > max) return `bound ${max} < ${expected.length} bytes`;
  target.fill(0xa5, at, at + max);
  const end = writeFillLine(target, at, fill, client, liquidity, bookSequence);
  if (end - at > max) return `wrote ${end - at} bytes past the bound ${max}`;
  if (!target.subarray(at, end).equals(expected)) return `bytes differ:\n  got      ${target.toString('utf8', at, end)}  expected ${expected.toString('utf8')}`;
  return undefined;
}

function assertSame(fill: ExecutionReport, client = 'strategy', liquidity: Liquidity = 'taker', bookSequence = 5120): void {
  const target = Buffer.alloc(64 * 1024);
  const problem = mismatch(fill, client, liquidity, bookSequence, target, 17);
  assert.equal(problem, undefined, `${problem ?? ''}\n  for ${JSON.stringify({ ...fill, client, liquidity, bookSequence })}`);
}

// Strings: the plain ASCII of real ids, then everything JSON.stringify escapes or encodes.
const STRINGS = [
  'AAPL', 'strategy-42', 'a', '', ' ', '~', 'quote"d', 'back\\slash', '\\"', 'tab\there', 'new\nline', '\r', '\u0000', '\u001f', '\u007f',
  '\u0080', 'é', 'naïve', '中文', '€100', '😀', 'a😀b', '\ud800', '\udfff', 'x\ud800', '\udc00y', '\ud800\ud800', '\u2028\u2029', '\ufeff', '\uffff',
  '</script>', "it's", '{"json":1}', 'E9007199254740991',
];
const INTEGERS = [0, -0, 1, -1, 9, 10, 99, 100, 12345, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e15 - 1, 1e15, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e21, 1e22];
const ODD_NUMBERS = [0.5, -0.5, 1.5, 1e-7, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, Number.NaN, Infinity, -Infinity, 0.1 + 0.2, 1 / 3];
/** Price units: whole (what orders carry), the 15-digit bound, averages of fills at different prices. */
const PRICE_UNITS = [
  0, -0, 1, -1, 5, 9_999, 10_000, 10_001, 1_895_000, 1_894_900, 1_000_000, 123_456_789, -123_456_789, 999_999_999_999_999, -999_999_999_999_999,
  1e15, 1e15 + 1, 2 ** 53 - 1, 2 ** 53, 1_895_001 / 3, 1_894_900.5, 0.25, 1e21 * 3, Number.NaN, Infinity, -Infinity,
];
const TIMESTAMPS = [
  1_764_050_000.123, 1_764_050_000, 1_764_050_000.1, 1_764_050_000.001, 1_764_050_000.999, 0, -0, 0.001, -0.001, 1, 1e-4, 1e-7, 5e-324,
  1_764_050_000_123_456 / 1e6, 1_764_050_000.1234567, 999_999_999_999.999, 1e12, 1e15, 1e21, -1_764_050_000.5, Number.NaN, Infinity,
];
const STATUSES = [...Object.values(ExecutionStatus), 0, 9];
const SIDES = [Side.BUY, Side.SELL, 0, 3];
const TYPES = [OrderType.LIMIT, OrderType.MARKET, 0];
const TIFS = [TimeInForce.IOC, TimeInForce.DAY, 0];
const SEQUENCES = [0, 1, 17, 2 ** 40, -1, Number.NaN];

test('the written fill line equals encodeFillLine for every edge value of each field', () => {
  for (const text of STRINGS) {
    assertSame(report({ orderId: text }));
    assertSame(report({ symbol: text }));
    assertSame(report({ executionId: text }));
    assertSame(report({}), text);
  }
  for (const value of [...INTEGERS, ...ODD_NUMBERS]) {
    assertSame(report({ lastQuantity: value }));
    assertSame(report({ orderQuantity: value, filledQuantity: value, leavesQuantity: value }));
    assertSame(report({ sequence: value }));
    assertSame(report({}), 'c', 'maker', value);
  }
  for (const units of [...PRICE_UNITS, ...INTEGERS, ...ODD_NUMBERS]) {
    assertSame(report({ orderPrice: units }));
    assertSame(report({ lastPrice: units, averagePrice: units }));
  }
  for (const timestamp of [...TIMESTAMPS, ...INTEGERS, ...ODD_NUMBERS]) assertSame(report({ timestamp }));
  for (const status of STATUSES) {
    for (const side of SIDES) {
      for (const orderType of TYPES) {
        for (const timeInForce of TIFS) {
          for (const sequence of SEQUENCES) {
            for (const liquidity of ['taker', 'maker'] as const) {
              assertSame(report({ status, side, orderType, timeInForce, sequence } as Partial<ExecutionReport>), 'strategy', liquidity);
            }
          }
        }
      }
    }
  }
});

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** A whole number with a random count of digits (1-16), so that every length is as likely. */
function wholeOfAnyLength(random: () => number, limit = 2 ** 53): number {
  const digits = 1 + Math.floor(random() * 16);
  return Math.min(limit - 1, Math.floor(random() * 10 ** digits));
}

function randomString(random: () => number): string {
  if (random() < 0.7) {
    // plain printable ASCII, as real ids are
    let text = '';
    const length = Math.floor(random() * 24);
    for (let i = 0; i < length; i++) text += String.fromCharCode(0x20 + Math.floor(random() * 95));
    return text;
  }
  let text = '';
  const length = Math.floor(random() * 12);
  for (let i = 0; i < length; i++) {
    const kind = random();
    if (kind < 0.3) text += String.fromCharCode(Math.floor(random() * 0x80));
    else if (kind < 0.6) text += String.fromCharCode(Math.floor(random() * 0x10000));
    else if (kind < 0.8) text += pick(random, STRINGS);
    else text += String.fromCodePoint(0x10000 + Math.floor(random() * 0xfffff));
  }
  return text;
}

function randomPriceUnits(random: () => number): number {
  const kind = random();
  if (kind < 0.6) return wholeOfAnyLength(random, 1e15);
  if (kind < 0.7) return -wholeOfAnyLength(random, 1e15);
  if (kind < 0.8) return wholeOfAnyLength(random) / (1 + Math.floor(random() * 9)); // an average
  if (kind < 0.9) return wholeOfAnyLength(random);
  return pick(random, PRICE_UNITS);
}

function randomTimestamp(random: () => number): number {
  const kind = random();
  if (kind < 0.5) return Math.floor(1_700_000_000_000 + random() * 100_000_000_000) / 1000; // Date.now() / 1000
  if (kind < 0.6) return wholeOfAnyLength(random, 1e15) / 1000;
  if (kind < 0.7) return Math.floor(1_700_000_000_000_000 + random() * 1e14) / 1e6; // the backtest clock's microseconds
  if (kind < 0.8) return random() * 2e9;
  if (kind < 0.9) return (random() - 0.5) * 10 ** Math.floor(random() * 30 - 10);
  return pick(random, TIMESTAMPS);
}

function randomQuantity(random: () => number): number {
  return random() < 0.9 ? wholeOfAnyLength(random) : pick(random, [...INTEGERS, ...ODD_NUMBERS]);
}

test('the written fill line equals encodeFillLine over 200,000 generated reports, at any offset', () => {
  const random = randomSource(0x5eed_f111);
  const target = Buffer.alloc(64 * 1024);
  for (let i = 0; i < 200_000; i++) {
    const fill = report({
      executionId: random() < 0.9 ? `E${wholeOfAnyLength(random)}` : randomString(random),
      orderId: randomString(random),
      symbol: randomString(random),
      side: pick(random, SIDES) as Side,
      orderType: pick(random, TYPES) as OrderType,
      timeInForce: pick(random, TIFS) as TimeInForce,
      status: pick(random, STATUSES) as ExecutionStatus,
      lastQuantity: randomQuantity(random),
      lastPrice: randomPriceUnits(random),
      orderPrice: randomPriceUnits(random),
      orderQuantity: randomQuantity(random),
      filledQuantity: randomQuantity(random),
      leavesQuantity: randomQuantity(random),
      averagePrice: randomPriceUnits(random),
      timestamp: randomTimestamp(random),
      sequence: random() < 0.5 ? 0 : randomQuantity(random),
    });
    const client = randomString(random);
    const liquidity = random() < 0.5 ? 'taker' : 'maker';
    const bookSequence = random() < 0.95 ? wholeOfAnyLength(random) : pick(random, [...INTEGERS, ...ODD_NUMBERS]);
    const problem = mismatch(fill, client, liquidity, bookSequence, target, Math.floor(random() * 1024));
    if (problem !== undefined) assert.fail(`report ${i}: ${problem}\n  for ${JSON.stringify({ ...fill, client, liquidity, bookSequence })}`);
  }
});

// The fast paths print decimals themselves: every price of up to 6 digits of units, and the
// timestamps of 5 hours of milliseconds near now, against JS's own printing through the oracle.
test('prices and millisecond timestamps print as JS prints them, swept', () => {
  const target = Buffer.alloc(4096);
  const fill = report({});
  for (let units = -200_000; units <= 200_000; units += 1) {
    fill.orderPrice = units;
    fill.timestamp = (1_764_000_000_000 + units * 43) / 1000;
    const problem = mismatch(fill, 'c', 'taker', 1, target, 0);
    if (problem !== undefined) assert.fail(`units ${units}: ${problem}`);
  }
  // around 10^k for every k up to the 15-digit bound, where the digit count changes
  for (let k = 0; k <= 15; k++) {
    for (let delta = -3; delta <= 3; delta++) {
      for (const sign of [1, -1]) {
        fill.lastPrice = sign * (10 ** k + delta);
        fill.timestamp = (sign * (10 ** k + delta)) / 1000;
        const problem = mismatch(fill, 'c', 'taker', 1, target, 0);
        if (problem !== undefined) assert.fail(`10^${k}${delta >= 0 ? '+' : ''}${delta}: ${problem}`);
      }
    }
  }
});

test('lines written in place across the staging buffer growth are the sealed lines of encodeFillLine', () => {
  const dir = tempDir('ack-fill-writer');
  const fd = openSync(join(dir, 'unused.log'), 'w');
  try {
    const file = new JournalFile(join(dir, 'unused.log'), 'trade log', fd);
    const random = randomSource(42);
    let expected = '';
    // 256 KiB staging: about 2,000 lines of ~140 bytes cross its end, some of them long ones
    for (let i = 0; i < 3_000; i++) {
      const fill = report({ executionId: `E${i + 1}`, orderId: i % 97 === 0 ? '"é\\'.repeat(2_000) : `order-${i}`, timestamp: randomTimestamp(random), sequence: i % 3 });
      const client = i % 5 === 0 ? randomString(random) : 'c1';
      const staging = file.reserve(fillLineMaxBytes(fill, client, 'taker'));
      file.added(writeFillLine(staging, file.lineStart, fill, client, 'taker', i));
      expected += sealLine(encodeFillLine(fill, client, 'taker', i));
    }
    assert.equal(file.pendingLines, 3_000);
    const pending = file.takePending();
    assert.ok(pending !== undefined);
    assert.ok(pending.length > 256 * 1024, `${pending.length} bytes: the staging buffer must have grown`);
    assert.equal(pending.toString('utf8'), expected);
  } finally {
    closeSync(fd);
  }
});

test('the trade log appends the same sealed lines as before, and recovery reads them back', async () => {
  const path = join(tempDir('ack-fill-writer'), 'trades.log');
  const log = TradeLog.open(path);
  log.recover({ onOrderEvent: () => undefined, onFill: () => undefined, onOrderId: () => undefined });
  const fills = [
    report({ executionId: 'E1', orderId: 'plain', sequence: 1 }),
    report({ executionId: 'E2', orderId: 'quote"d\\ and é 😀 \u0001', symbol: 'BRK.B', side: Side.SELL, status: ExecutionStatus.PARTIALLY_FILLED, leavesQuantity: 40 }),
    report({ executionId: 'E3', orderId: 'avg', averagePrice: 1_895_001 / 3, timestamp: 1_764_050_000_123_456 / 1e6, orderType: OrderType.MARKET, orderPrice: 0 }),
  ];
  let expected = '';
  for (const [i, fill] of fills.entries()) {
    log.append(fill, `client-${i}`, i === 1 ? 'maker' : 'taker', 100 + i);
    expected += sealLine(encodeFillLine(fill, `client-${i}`, i === 1 ? 'maker' : 'taker', 100 + i));
  }
  await log.flush();
  await log.close();
  const text = readFileSync(path, 'utf8');
  assert.equal(text, expected);
  const parsed = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fill = createLoggedFill();
      assert.ok(parseFillLine(line, fill), line);
      return fill;
    });
  assert.deepEqual(
    parsed.map((fill) => [fill.executionId, fill.orderId, fill.averagePrice, fill.reportSequence]),
    [
      ['E1', 'plain', 1_894_900, 1],
      ['E2', fills[1]?.orderId, 1_894_900, 0],
      ['E3', 'avg', Math.round(1_895_001 / 3), 0],
    ],
  );
});
