/**
 * `trading strategy --gateway HOST:PORT --order-manager HOST:PORT --shm NAME
 *  [--strategy seed|imbalance] [strategy flags]`: runs a strategy against the gateway's
 * ticks and news, the shared-memory book and the order manager (strategy-process.ts).
 * Options: strategy-config.ts (`--help` lists them). Exit 0 after a clean stop, 1 on a
 * failure, 2 for bad options (the message names every bad field).
 */
import { describeSchema, loadConfig } from '../config/schema.js';
import { isTradingError } from '../core/errors.js';
import { EXIT_USAGE, runComponent } from '../core/runtime.js';
import { STRATEGY_PROCESS_SCHEMA, buildStrategy, endpoints } from './strategy-config.js';
import { StrategyProcess } from './strategy-process.js';
import type { Strategy } from './strategy.js';

export async function main(argv: string[]): Promise<number> {
  let loaded;
  let strategy: Strategy;
  let where: ReturnType<typeof endpoints>;
  try {
    loaded = loadConfig(STRATEGY_PROCESS_SCHEMA, { argv });
    if (loaded.help) {
      process.stdout.write(describeSchema('strategy', STRATEGY_PROCESS_SCHEMA) + '\n');
      return 0;
    }
    where = endpoints(loaded.config);
    strategy = buildStrategy(loaded.config);
  } catch (err) {
    if (isTradingError(err)) {
      process.stderr.write(`trading strategy: ${err.code}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const { config } = loaded;
  return runComponent(
    'strategy',
    (log) =>
      new StrategyProcess({
        gateway: where.gateway,
        orderManager: where.orderManager,
        shm: config.shm,
        strategy,
        bookMaxAgeMs: config.bookMaxAgeMs,
        connectWaitMs: config.connectWaitMs,
        gatewayTimeoutMs: config.gatewayTimeoutMs,
        orderManagerTimeoutMs: config.orderManagerTimeoutMs,
        log,
      }),
    { countersIntervalMs: config.countersIntervalMs },
  );
}
