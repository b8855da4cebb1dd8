/**
 * `trading gateway`: stream the seeded market (MARKET_DATA per symbol, NEWS_SENTIMENT) to
 * every client. See gateway.ts for the behaviour and gateway-config.ts for the options.
 * Bad flags fail the start like any other start failure (reported to a supervisor, one
 * line per problem), with exit code 2.
 */
import { describeSchema, loadConfig } from '../config/schema.js';
import { runComponent } from '../core/runtime.js';
import { gatewaySchema, parseRate } from './gateway-config.js';
import { Gateway } from './gateway.js';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(describeSchema('gateway', gatewaySchema) + '\n');
    return 0;
  }
  return runComponent('gateway', (log) => {
    const { config } = loadConfig(gatewaySchema, { argv });
    return new Gateway({
      host: config.host,
      port: config.port,
      seed: config.seed,
      symbols: config.symbols,
      rate: parseRate(config.rate),
      newsIntervalSeconds: config.newsInterval,
      timeScale: config.timeScale,
      slowConsumerPolicy: config.slowConsumer === 'disconnect' ? 'disconnect' : 'conflate',
      maxBacklogBytes: config.maxBacklogBytes,
      maxFrameBytes: config.maxFrameBytes,
      log,
    });
  });
}
