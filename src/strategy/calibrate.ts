/**
 * Prints the calibration figures of the seed strategy (calibration.ts) for a few market
 * seeds, with the control beside them:
 *
 *   node dist/src/strategy/calibrate.js [--seconds 1200] [--seeds 1,42,7]
 *        [--time-scale 1] [--news-half-life-seconds 30] [any seed strategy flag]
 *
 * Strategy flags are those of `trading strategy` (--lookback-ms, --price-change-threshold,
 * ...), so a candidate setting is measured here before it becomes a default.
 */
import { pathToFileURL } from 'node:url';
import { formatTable } from '../bench/format.js';
import { describeSchema, loadConfig, type Schema } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { runCalibration, type CalibrationResult } from './calibration.js';
import { SEED_STRATEGY_FIELDS, type SeedStrategyConfig } from './seed-strategy-config.js';

const calibrateSchema = {
  seconds: { kind: 'integer', default: 1200, min: 10, max: 86_400, description: 'simulated wall-clock seconds per run' },
  seeds: { kind: 'list', default: ['1', '42', '7'], itemPattern: /^\d{1,10}$/, itemHint: 'an integer seed', description: 'market model seeds' },
  timeScale: { kind: 'number', default: 1, min: 0.001, max: 1e7, description: 'market seconds per wall second' },
  newsHalfLifeSeconds: { kind: 'number', default: 30, min: 0.001, max: 1e9, description: 'half-life of a news item, market seconds' },
  ...SEED_STRATEGY_FIELDS,
} as const satisfies Schema;

function markout(result: CalibrationResult, horizonSeconds: number): string {
  const m = result.markouts.find((entry) => entry.horizonSeconds === horizonSeconds);
  return m === undefined || m.count === 0 ? '-' : `${m.meanBps.toFixed(1)} ± ${m.standardErrorBps.toFixed(2)}`;
}

export function main(argv: string[]): number {
  const { config, help } = loadConfig(calibrateSchema, { argv, configFlag: '' });
  if (help) {
    process.stdout.write(describeSchema('calibrate', calibrateSchema, '') + '\n');
    return 0;
  }
  const { seconds, seeds, timeScale, newsHalfLifeSeconds, ...strategyConfig } = config;
  const strategy: Partial<SeedStrategyConfig> = { ...strategyConfig, priceSource: strategyConfig.priceSource as SeedStrategyConfig['priceSource'] };
  const header = ['seed', 'run', 'trades/s', 'p10/p50/p90 per 10 s', 'idle 10 s', 'half spread bps', 'mark-out 1 s bps', '10 s', '30 s', 'PnL'];
  const rows: string[][] = [];
  for (const seed of seeds.map(Number)) {
    const market = { seed, timeScale, newsHalfLifeSeconds };
    for (const [label, invertSentiment] of [['strategy', false], ['control', true]] as const) {
      const r = runCalibration({ market, strategy, durationSeconds: seconds, invertSentiment });
      rows.push([
        String(seed),
        label,
        r.tradesPerSecond.toFixed(2),
        `${r.tradesPerSecondP10.toFixed(1)}/${r.tradesPerSecondP50.toFixed(1)}/${r.tradesPerSecondP90.toFixed(1)}`,
        `${Math.round(r.idleWindowShare * 100)} %`,
        r.halfSpreadBps.toFixed(2),
        markout(r, 1),
        markout(r, 10),
        markout(r, 30),
        r.totalPnl.toFixed(0),
      ]);
    }
  }
  process.stdout.write(`${seconds} s per run; control = the same strategy fed the negated news scores\n`);
  process.stdout.write(formatTable(header, rows) + '\n');
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`calibrate: ${describeError(err)}\n`);
    process.exitCode = 2;
  }
}
