/**
 * `trading strategy --gateway HOST:PORT --order-manager HOST:PORT --shm NAME
 *  [--strategy seed|imbalance] [strategy flags]`: runs a strategy against the gateway's
 * ticks and news, the shared-memory book and the order manager (strategy-process.ts).
 * Options: strategy-config.ts (`--help` lists them).
 */
import { settleBusOptions } from '../bus/bus-config.js';
import { componentCommand } from '../command/command.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import { STRATEGY_PROCESS_SCHEMA, buildStrategy, endpoints } from './strategy-config.js';
import { StrategyProcess } from './strategy-process.js';
import { withMetricsServer } from '../metrics/metrics-server.js';

export const main = componentCommand({
  name: 'strategy',
  schema: STRATEGY_PROCESS_SCHEMA,
  settle: (config, problems) => ({
    ...config,
    ...endpoints(config),
    built: buildStrategy(config),
    bus: settleBusOptions(config, 'strategy', problems),
    busSymbols: parseBusSymbols(config.busSymbols, config.bus !== undefined, problems),
  }),
  component: (config, { log }) =>
    withMetricsServer(new StrategyProcess({
      gateway: config.gateway,
      orderManager: config.orderManager,
      shm: config.shm,
      ...(config.bus === undefined ? {} : { bus: config.bus }),
      ...(config.busSymbols === undefined ? {} : { busSymbols: config.busSymbols }),
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

function parseBusSymbols(text: string | undefined, onBus: boolean, problems: string[]): string[] | undefined {
  if (text === undefined) return undefined;
  if (!onBus) problems.push('--bus-symbols: given without --bus');
  const symbols = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (symbols.length === 0 || symbols.some((s) => !SYMBOL_PATTERN.test(s)) || new Set(symbols).size !== symbols.length) {
    problems.push(`--bus-symbols: expected distinct symbols of 1-8 characters A-Z 0-9 . _ -, got "${text}"`);
  }
  return symbols;
}
