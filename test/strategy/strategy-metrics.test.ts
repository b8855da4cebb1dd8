/**
 * The strategy's counters segment carries the session client's slow HELLO answers, the
 * orders closed as lost after a resume and the orders nobody answered, as the README's
 * metrics table documents them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMPONENT_METRICS, METRICS } from '../../src/metrics/index.js';
import { MessageType, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import type { LiveBook } from '../../src/shm/live-book.js';
import { publishStrategyMetrics, type StrategyMetrics } from '../../src/strategy/strategy-metrics.js';
import type { Strategy } from '../../src/strategy/strategy.js';
import { harness } from './fixtures.js';

const idle: Strategy = { name: 'idle', onTick: () => undefined, onNews: () => undefined, onExecution: () => undefined };
const NAMES = ['slow_hello_answers', 'orders_lost', 'unreconciled_resumes', 'orders_unanswered', 'order_yields'] as const;

test('slow HELLO answers, orders lost, unreconciled resumes, unanswered orders and order yields are published in the strategy\'s counters and documented', () => {
  const { engine } = harness(idle);
  engine.tracker.recordSent({ type: MessageType.ORDER, orderId: 's-1', symbol: 'AAPL', side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: 1_000_000, quantity: 10, timestamp: 0, tickSentNs: 0, orderSentNs: 0 });
  engine.tracker.closeLost('s-1');
  engine.tracker.recordSent({ type: MessageType.ORDER, orderId: 's-2', symbol: 'AAPL', side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: 1_000_000, quantity: 10, timestamp: 0, tickSentNs: 0, orderSentNs: 1_000 });
  engine.tracker.takeUnanswered(1e10, 5e9);
  const values = new Map<string, number>();
  const writer = { set: (name: string, value: number) => values.set(name, value), setLabelled: () => undefined } as unknown as StrategyMetrics;
  const book = { attachments: 0, symbols: [] } as unknown as LiveBook;
  publishStrategyMetrics(writer, engine, book, {
    ordersAbandoned: 0,
    orphanCancelsSent: 0,
    unreconciledResumes: 2,
    slowHelloAnswers: 3,
    badMessages: 0,
    unexpectedMessages: 0,
    errorsFromOrderManager: 0,
    gatewayConnected: true,
    orderManagerConnected: true,
    gatewayConnects: 1,
    orderManagerConnects: 1,
    keepWarmRuns: 0,
    orderYields: 4,
  });
  assert.deepEqual(NAMES.map((name) => values.get(name)), [3, 1, 2, 1, 4]);
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  for (const name of NAMES) {
    assert.ok((COMPONENT_METRICS.strategy as readonly string[]).includes(name), `${name} in the strategy's segment`);
    assert.equal(METRICS[name].kind, 'counter');
    assert.match(readme, new RegExp(`\\| \`ipc_trading_${name}_total\` \\| counter \\| strategy \\|`), `${name} in the README's metrics table`);
  }
});
