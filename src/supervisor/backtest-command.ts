/**
 * `trading backtest --data FILE --strategy X [--strategy-config FILE] [--trade-log FILE]
 *  [--json FILE] [--html FILE]`: the strategy through the real processes on a recording
 * (backtest.ts), then the report (backtest-report.ts) as a table on stdout, and as JSON and
 * a self-contained HTML page when asked.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { taskCommand } from '../command/command.js';
import type { Schema } from '../config/schema.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { SESSION_TOKEN_PATTERN } from '../strategy/order-ids.js';
import { STRATEGY_CONFIG_FIELD, STRATEGY_FIELD } from '../strategy/strategy-config.js';
import { isStrategyPath, loadStrategyModule } from '../strategy/strategy-module.js';
import { runBacktest } from './backtest.js';
import { buildReport, formatReport, readFills, renderHtml } from '../replay/backtest-report.js';

export const backtestSchema = {
  data: { kind: 'string', description: 'the recording to replay: trading record, trading import, gateway --record' },
  strategy: STRATEGY_FIELD,
  strategyConfig: STRATEGY_CONFIG_FIELD,
  tradeLog: { kind: 'optional-string', description: 'keep the trade log here (written anew; default a temporary file)' },
  json: { kind: 'optional-string', description: 'write the report as JSON to this file' },
  html: { kind: 'optional-string', description: 'write the report as a self-contained HTML page to this file' },
  sessionToken: { kind: 'string', default: 'bt', pattern: SESSION_TOKEN_PATTERN, patternHint: '1-40 of A-Z a-z 0-9 _', description: 'order-id prefix of the run' },
} as const satisfies Schema;

export const main = taskCommand({
  name: 'backtest',
  schema: backtestSchema,
  task: async (config, { log, stopping }) => {
    // a strategy module is checked before anything starts
    if (config.strategyConfig !== undefined && !isStrategyPath(config.strategy)) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `--strategy-config is for a strategy module, not ${config.strategy}`);
    }
    if (isStrategyPath(config.strategy)) await loadStrategyModule(config.strategy, config.strategyConfig);
    const run = await runBacktest({
      data: config.data,
      strategy: config.strategy,
      ...(config.strategyConfig === undefined ? {} : { strategyConfig: config.strategyConfig }),
      ...(config.tradeLog === undefined ? {} : { tradeLog: config.tradeLog }),
      sessionToken: config.sessionToken,
      log,
      stopping,
    });
    try {
      const fills = readFills(run.tradeLog);
      const report = buildReport({
        fills,
        market: run.market,
        seconds: run.seconds,
        orders: run.counters['ordermanager']?.['orders'] ?? 0,
        bookLagAtFirstRead: run.counters['strategy']?.['book_lag_at_first_read'] ?? 0,
      });
      process.stdout.write(`${formatReport(report)}\n`);
      if (config.json !== undefined) writeFileSync(config.json, `${JSON.stringify(report, null, 2)}\n`);
      if (config.html !== undefined) writeFileSync(config.html, renderHtml(report, fills, run.market, `${basename(config.strategy)} on ${basename(config.data)}`));
      return 0;
    } finally {
      rmSync(run.scratch, { recursive: true, force: true });
    }
  },
});
