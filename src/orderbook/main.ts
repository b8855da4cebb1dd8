/**
 * `trading orderbook --gateway HOST:PORT --shm NAME [--replace-stale] [--symbols A,B]`:
 * write the gateway's books into the shared-memory book. See orderbook.ts.
 */
import { componentCommand } from '../command/command.js';
import { parseHostPort } from '../config/schema.js';
import { orderbookSchema, parseSymbols } from './orderbook-config.js';
import { Orderbook } from './orderbook.js';
import { withMetricsServer } from '../metrics/metrics-server.js';

export const main = componentCommand({
  name: 'orderbook',
  schema: orderbookSchema,
  settle: (config, problems) => ({ ...config, gateway: parseHostPort(config.gateway, '--gateway'), symbols: parseSymbols(config.symbols, problems) }),
  component: (config, { log }) =>
    withMetricsServer(new Orderbook({
      gatewayHost: config.gateway.host,
      gatewayPort: config.gateway.port,
      shm: config.shm,
      replaceStale: config.replaceStale,
      ...(config.symbols === undefined ? {} : { symbols: config.symbols }),
      depth: config.depth,
      log,
      publishMetrics: true,
    }), { port: config.metricsPort, shm: config.shm, component: 'orderbook', log }),
});
