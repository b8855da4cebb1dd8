/**
 * `trading gateway`: stream the seeded market (MARKET_DATA per symbol, NEWS_SENTIMENT) to
 * every client. See gateway.ts for the behaviour and gateway-config.ts for the options.
 */
import { settleBusOptions } from '../bus/bus-config.js';
import { componentCommand } from '../command/command.js';
import { serverLimits } from '../config/server-limits.js';
import { gatewaySchema, parseRate } from './gateway-config.js';
import { Gateway } from './gateway.js';
import { withMetricsServer } from '../metrics/metrics-server.js';

export const main = componentCommand({
  name: 'gateway',
  schema: gatewaySchema,
  settle: (config, problems) => ({ ...config, rate: parseRate(config.rate), bus: settleBusOptions(config, 'gateway', problems) }),
  component: (config, { log }) =>
    withMetricsServer(new Gateway({
      ...(config.bus === undefined ? {} : { bus: config.bus }),
      host: config.host,
      port: config.port,
      seed: config.seed,
      symbols: config.symbols,
      rate: config.rate,
      newsIntervalSeconds: config.newsInterval,
      timeScale: config.timeScale,
      slowConsumerPolicy: config.slowConsumer,
      maxBacklogBytes: config.maxBacklogBytes,
      maxFrameBytes: config.maxFrameBytes,
      limits: serverLimits(config),
      log,
      metricsShm: config.shm,
    }), { port: config.metricsPort, shm: config.shm, component: 'gateway', log }),
});
