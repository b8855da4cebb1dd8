/**
 * `trading strategy --gateway HOST:PORT --order-manager HOST:PORT --shm NAME
 *  [--strategy seed|imbalance|PATH] [--strategy-config FILE] [strategy flags]`: runs a
 * strategy against the gateway's ticks and news, the shared-memory book and the order
 * manager (strategy-process.ts). Options: strategy-config.ts (`--help` lists them).
 */
import { settleBusOptions } from '../bus/bus-config.js';
import { componentCommand } from '../command/command.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import { STRATEGY_PROCESS_SCHEMA, endpoints, resolveStrategy } from './strategy-config.js';
import { FlowGate } from '../shm/flow-gate.js';
import { StrategyProcess } from './strategy-process.js';
import { clientSessionSettings } from '../session/session-options.js';
import { withMetricsServer } from '../metrics/metrics-server.js';

export const main = componentCommand({
  name: 'strategy',
  schema: STRATEGY_PROCESS_SCHEMA,
  settle: (config, problems) => ({
    ...config,
    ...endpoints(config),
    raw: config,
    bus: settleBusOptions(config, 'strategy', problems),
    busSymbols: parseBusSymbols(config.busSymbols, config.bus !== undefined, problems),
  }),
  // a strategy module is loaded inside the component's start, so a bad one is a start
  // failure with its code (E_CONFIG_INVALID) that reaches a supervisor; credentials and TLS
  // material load here too, inside the harness: a bad file fails the start in one line
  component: async (config, { log }) => {
    const session = clientSessionSettings(config);
    return withMetricsServer(new StrategyProcess({
      authToken: session.token,
      tls: session.tls,
      helloTimeoutMs: session.helloTimeoutMs,
      gateway: config.gateway,
      orderManager: config.orderManager,
      shm: config.shm,
      ...(config.bus === undefined ? {} : { bus: config.bus }),
      ...(config.busSymbols === undefined ? {} : { busSymbols: config.busSymbols }),
      strategy: await resolveStrategy(config.raw),
      bookMaxAgeMs: config.bookMaxAgeMs,
      connectWaitMs: config.connectWaitMs,
      gatewayTimeoutMs: config.gatewayTimeoutMs,
      orderManagerTimeoutMs: config.orderManagerTimeoutMs,
      idleSpinMs: config.idleSpinMs,
      keepWarmMs: config.keepWarmMs,
      orderYield: !config.noOrderYield,
      orderAckTimeoutMs: config.orderAckTimeoutMs,
      bookWaitUs: config.bookWaitUs,
      bookSource: config.bookSource,
      orderManagerFirst: config.orderManagerFirst,
      ...(config.gate === undefined ? {} : { gate: FlowGate.open(config.gate) }),
      ...(config.sessionToken === undefined ? {} : { sessionToken: config.sessionToken }),
      log,
      publishMetrics: true,
      metricsIntervalMs: config.countersIntervalMs,
    }), { port: config.metricsPort, shm: config.shm, component: 'strategy', log });
  },
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
