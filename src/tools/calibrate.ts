/**
 * Prints the calibration figures of the seed strategy (calibration.ts) for a few market
 * seeds, with the control beside them:
 *
 *   trading calibrate [--seconds 1200] [--seeds 1,42,7]
 *        [--time-scale 1] [--news-half-life-seconds 30] [any seed strategy flag]
 *
 * A tool on top of the layers: it runs the market model and the strategy engine in one
 * process; nothing imports it.
 *
 * Strategy flags are those of `trading strategy` (--lookback-ms, --price-change-threshold,
 * ...), so a candidate setting is measured here before it becomes a default.
 */
import { taskCommand } from '../command/command.js';
import { type ConfigOf, type Schema } from '../config/schema.js';
import { formatTable } from '../core/format.js';
import { SEED_STRATEGY_FIELDS } from '../strategy/seed-strategy-config.js';
import { runCalibration, type CalibrationResult } from './calibration.js';

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

export const main = taskCommand({ name: 'calibrate', schema: calibrateSchema, configFlag: '', task: calibrate });

async function calibrate(config: ConfigOf<typeof calibrateSchema>): Promise<number> {
  const { seconds, seeds, timeScale, newsHalfLifeSeconds, ...strategy } = config;
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
