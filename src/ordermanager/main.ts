/**
 * `trading ordermanager`: takes orders over TCP (the seed's JSON or our binary), checks
 * risk, executes them against the shared-memory book, logs every fill durably before
 * reporting it, and keeps positions and PnL. See order-manager-service.ts for the process
 * and order-manager.ts for the core.
 */
import { describeSchema } from '../config/schema.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { runComponent } from '../core/runtime.js';
import { OrderManagerService } from './order-manager-service.js';
import { loadOrderManagerSettings, orderManagerSchema } from './ordermanager-config.js';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`${describeSchema('ordermanager', orderManagerSchema)}\n`);
    return 0;
  }
  return runComponent('ordermanager', (log) => {
    // inside the harness: a bad flag is one line with E_CONFIG_INVALID and exit 2
    const settings = loadOrderManagerSettings(argv);
    if (settings === undefined) throw new TradingError(ErrorCode.CONFIG_INVALID, '--help takes no value');
    return new OrderManagerService(settings, log);
  });
}
