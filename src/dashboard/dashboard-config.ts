/** The configuration of `trading dashboard`, and the dashboard flags `trading run` adds to its own. */
import { commonFields, type Schema } from '../config/schema.js';
import { sessionClientFields } from '../session/session-options.js';

// the gateway client's secret and TLS (the dashboard only listens: no HELLO timeout to set)
const { helloTimeoutMs: _helloTimeoutMs, ...gatewaySessionFields } = sessionClientFields;

export const DEFAULT_DASHBOARD_PORT = 8080;

export const dashboardFlags = {
  dashboardHost: commonFields.host(),
  dashboardPort: commonFields.port(DEFAULT_DASHBOARD_PORT, 'dashboard HTTP port (0 = any free port)'),
  dashboardToken: {
    kind: 'optional-string',
    description: 'token the dashboard requires (default: none on loopback, one generated and printed otherwise)',
  },
} as const satisfies Schema;

export const dashboardSchema = {
  host: { ...dashboardFlags.dashboardHost, description: 'address to serve the dashboard on (not loopback: a token is required)' },
  port: dashboardFlags.dashboardPort,
  token: { ...dashboardFlags.dashboardToken, env: 'TRADING_DASHBOARD_TOKEN' },
  shm: commonFields.shm(),
  tradeLog: { kind: 'string', default: 'trades.log', description: 'the trade log to follow (read-only)' },
  gateway: commonFields.endpoint('127.0.0.1:5555', 'the gateway whose news to show, HOST:PORT'),
  symbols: { kind: 'optional-string', description: 'symbols to show until the shared book says which it has, comma-separated' },
  ...gatewaySessionFields,
} as const satisfies Schema;
