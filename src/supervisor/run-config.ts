/** The configuration of `trading run`: the whole system on one host. */
import { commonFields, type Schema } from '../config/schema.js';
import { dashboardFlags } from '../dashboard/dashboard-config.js';

export const runSchema = {
  host: commonFields.host(),
  gatewayPort: commonFields.port(5555, 'gateway TCP port (0 = any free port)'),
  orderManagerPort: commonFields.port(5558, 'order manager TCP port (0 = any free port)'),
  shm: commonFields.shm(),
  tradeLog: { kind: 'string', default: 'trades.log', description: 'trade log file (JSON lines, appended)' },
  summary: { kind: 'optional-string', description: 'write the final statistics as JSON to this file' },
  duration: { kind: 'number', default: 0, min: 0, description: 'stop after this many seconds (0 = run until Ctrl+C)' },
  seed: { kind: 'integer', default: 42, min: 0, max: 2 ** 32 - 1, description: 'market model seed' },
  symbols: {
    kind: 'list',
    default: ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'],
    itemPattern: /^[A-Z0-9._-]{1,8}$/,
    itemHint: 'a symbol of 1-8 characters A-Z 0-9 . _ -',
    description: 'symbols to trade',
  },
  rate: { kind: 'number', default: 10, min: 0.1, max: 100_000, description: 'market data updates per second per symbol' },
  strategy: { kind: 'string', default: 'seed', choices: ['seed', 'imbalance'], description: 'trading strategy' },
  maxRestarts: { kind: 'integer', default: 5, min: 0, max: 1000, description: 'crashes per minute of one component before the system stops' },
  ...dashboardFlags,
  noDashboard: { kind: 'boolean', default: false, description: 'do not serve the dashboard' },
  progressIntervalMs: { kind: 'integer', default: 1000, min: 100, max: 60_000, description: 'how often progress is shown (terminal), ms' },
} satisfies Schema;
