/**
 * `trading orderbook --gateway HOST:PORT --shm NAME [--replace-stale] [--symbols A,B]`:
 * write the gateway's books into the shared-memory book. See orderbook.ts.
 */
import { settleBusOptions } from '../bus/bus-config.js';
import { componentCommand } from '../command/command.js';
import { parseHostPort } from '../config/schema.js';
import { orderbookSchema, parseSymbols } from './orderbook-config.js';
import { FlowGate } from '../shm/flow-gate.js';
import { Orderbook } from './orderbook.js';
import { clientSessionSettings } from '../session/session-options.js';
import { withMetricsServer } from '../metrics/metrics-server.js';

export const main = componentCommand({
  name: 'orderbook',
  schema: orderbookSchema,
  settle: (config, problems) => {
    const bus = settleBusOptions(config, 'orderbook', problems);
    const busSymbols = parseSymbols(config.busSymbols, problems, '--bus-symbols');
    if (config.bus === undefined && busSymbols !== undefined) problems.push('--bus-symbols: given without --bus');
    return { ...config, gateway: parseHostPort(config.gateway, '--gateway'), symbols: parseSymbols(config.symbols, problems), bus, busSymbols };
  },
  component: (config, { log }) => {
    // credentials and TLS material load here, inside the harness: a bad file fails the start in one line
    const session = clientSessionSettings(config);
    return withMetricsServer(new Orderbook({
      authToken: session.token,
      tls: session.tls,
      helloTimeoutMs: session.helloTimeoutMs,
      ...(config.bus === undefined ? {} : { bus: config.bus }),
      ...(config.busSymbols === undefined ? {} : { busSymbols: config.busSymbols }),
      gatewayHost: config.gateway.host,
      gatewayPort: config.gateway.port,
      shm: config.shm,
      replaceStale: config.replaceStale,
      ...(config.symbols === undefined ? {} : { symbols: config.symbols }),
      depth: config.depth,
      ...(config.gate === undefined ? {} : { gate: FlowGate.open(config.gate) }),
      log,
      publishMetrics: true,
    }), { port: config.metricsPort, shm: config.shm, component: 'orderbook', log });
  },
});
