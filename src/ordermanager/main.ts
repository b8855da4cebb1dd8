/**
 * `trading ordermanager`: takes orders over TCP (the seed's JSON or our binary), checks
 * risk, executes them against the shared-memory book, logs every fill durably before
 * reporting it, and keeps positions and PnL. See order-manager-service.ts for the process
 * and order-manager.ts for the core.
 */
import { componentCommand } from '../command/command.js';
import { withMetricsServer } from '../metrics/metrics-server.js';
import { OrderManagerService } from './order-manager-service.js';
import { orderManagerSchema, settleOrderManagerConfig } from './ordermanager-config.js';

export const main = componentCommand({
  name: 'ordermanager',
  schema: orderManagerSchema,
  settle: (config, problems) => ({ settings: settleOrderManagerConfig(config, problems), metricsPort: config.metricsPort }),
  component: ({ settings, metricsPort }, { log, fail }) =>
    withMetricsServer(new OrderManagerService(settings, log, fail, { publishMetrics: true }), { port: metricsPort, shm: settings.shm, component: 'ordermanager', log }),
});
