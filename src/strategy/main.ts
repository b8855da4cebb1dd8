/**
 * `trading strategy --gateway HOST:PORT --order-manager HOST:PORT --shm NAME
 *  [--strategy seed|imbalance] [strategy flags]`: runs a strategy against the gateway's
 * ticks and news, the shared-memory book and the order manager (strategy-process.ts).
 * Options: strategy-config.ts (`--help` lists them).
 */
import { componentCommand } from '../command/command.js';
import { STRATEGY_PROCESS_SCHEMA, buildStrategy, endpoints } from './strategy-config.js';
import { StrategyProcess } from './strategy-process.js';
import { withMetricsServer } from '../metrics/metrics-server.js';

export const main = componentCommand({
  name: 'strategy',
  schema: STRATEGY_PROCESS_SCHEMA,
  settle: (config) => ({ ...config, ...endpoints(config), built: buildStrategy(config) }),
  component: (config, { log }) =>
    withMetricsServer(new StrategyProcess({
      gateway: config.gateway,
      orderManager: config.orderManager,
      shm: config.shm,
      strategy: config.built,
      bookMaxAgeMs: config.bookMaxAgeMs,
      connectWaitMs: config.connectWaitMs,
      gatewayTimeoutMs: config.gatewayTimeoutMs,
      orderManagerTimeoutMs: config.orderManagerTimeoutMs,
      idleSpinMs: config.idleSpinMs,
      log,
      publishMetrics: true,
      metricsIntervalMs: config.countersIntervalMs,
    }), { port: config.metricsPort, shm: config.shm, component: 'strategy', log }),
});
