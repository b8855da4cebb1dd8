/**
 * `trading run` (what `npm start` runs): the whole system until Ctrl+C, SIGTERM or
 * --duration. Exit 0 after a clean run; 1 with the reason otherwise; 2 for bad options;
 * 130 after a second signal (every component killed, the shared memory removed).
 */
import { writeFileSync } from 'node:fs';
import { settleBusOptions } from '../bus/bus-config.js';
import { taskCommand } from '../command/command.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { createLogger, formatJsonLine, logFormat, setLogSink, type LogFields } from '../core/log.js';
import { startDashboard, type RunningDashboard } from '../dashboard/dashboard-server.js';
import { isStrategyPath, loadStrategyModule } from '../strategy/strategy-module.js';
import { ShmError, closeSegment, openSegment, unlinkSegment } from '../shm/index.js';
import { Display } from './display.js';
import { runSchema } from './run-config.js';
import { Recording } from '../protocol/recording-reader.js';
import { recordingSymbols } from '../replay/market-series.js';
import { formatSummary } from './summary.js';
import { Supervisor, type SharedMemoryOps } from './supervisor.js';

const sharedMemory: SharedMemoryOps = {
  exists(name) {
    try {
      closeSegment(openSegment(name));
      return true;
    } catch (err) {
      if (err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND) return false;
      return true;
    }
  },
  remove(name) {
    try {
      unlinkSegment(name);
    } catch (err) {
      if (!(err instanceof ShmError && err.code === ErrorCode.SHM_NOT_FOUND)) throw err;
    }
  },
};

export const main = taskCommand({
  name: 'run',
  schema: runSchema,
  settle: (config, problems) => {
    settleBusOptions(config, 'run', problems);
    if (config.replay === undefined && (config.loop || config.speed !== '1')) problems.push('--speed, --loop: for --replay only');
    if (config.replay !== undefined && config.bus !== undefined) problems.push('--replay: not with --bus (the replay serves TCP clients)');
    if (config.speed !== 'max' && !(Number(config.speed) > 0)) problems.push(`--speed: must be > 0 or max, got "${config.speed}"`);
    return config;
  },
  task: async (config, { stopping, onForcedExit }) => {
    // a strategy module is checked before anything starts: a typo fails now (E_CONFIG_INVALID,
    // exit 2), not after three components are up
    if (config.strategyConfig !== undefined && !isStrategyPath(config.strategy)) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `--strategy-config is for a strategy module, not ${config.strategy}`);
    }
    if (isStrategyPath(config.strategy)) await loadStrategyModule(config.strategy, config.strategyConfig);
    // a recording is checked before anything starts too (E_RECORDING_INVALID), and its symbols read
    const replaySymbols = config.replay === undefined ? undefined : recordingSymbols(Recording.open(config.replay));
    if (replaySymbols !== undefined && replaySymbols.length === 0) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `--replay ${config.replay}: the recording holds no market data`);
    }
    const display = new Display(
      {
        write: (text) => process.stderr.write(text),
        isTTY: process.stderr.isTTY,
        columns: process.stderr.columns,
      },
      undefined,
      // --log-format json: the periodic status is a log line like the others
      logFormat() === 'json' ? (text) => formatJsonLine(new Date().toISOString(), 'info', 'supervisor', 'progress', { status: text }) : undefined,
    );
    setLogSink((line) => display.line(line));
    const log = createLogger('supervisor');
    let dashboard: RunningDashboard | undefined;
    const startDashboardWhenReady = async ({ gatewayPort }: { gatewayPort: number }): Promise<LogFields> => {
      if (config.noDashboard) return { dashboard: 'off' };
      try {
        dashboard = await startDashboard({
          host: config.dashboardHost,
          port: config.dashboardPort,
          token: config.dashboardToken,
          shm: config.shm,
          tradeLog: config.tradeLog,
          symbols: replaySymbols ?? config.symbols,
          // a client of the gateway like the others, with its own per-run identity: served under --no-anonymous too
          gateway: { host: config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host, port: gatewayPort, authToken: supervisor.dashboardSecret },
          health: { label: 'supervisor', sample: () => supervisor.componentSamples() },
          log: createLogger('dashboard'),
        });
        return { dashboard: dashboard.url };
      } catch (err) {
        // the trading system does not depend on its dashboard: say why there is none, and go on
        log.warn('dashboard not served', { error: describeError(err) });
        return { dashboard: 'off' };
      }
    };
    const supervisor = new Supervisor({
      config,
      log,
      display,
      sharedMemory,
      onReady: startDashboardWhenReady,
      onStopping: async () => dashboard?.close(),
      ...(replaySymbols === undefined ? {} : { replaySymbols }),
    });
    stopping.addEventListener('abort', () => supervisor.requestStop(`${String(stopping.reason)} received`), { once: true });
    onForcedExit(() => {
      log.warn('second signal: killing every component now');
      supervisor.forceKill();
      sharedMemory.remove(config.shm);
      supervisor.removeCounters();
    });

    const outcome = await supervisor.run();
    process.stdout.write(formatSummary(outcome.summary) + '\n');
    if (config.summary !== undefined) {
      try {
        writeFileSync(config.summary, JSON.stringify(outcome.summary, null, 2) + '\n');
      } catch (err) {
        log.error('could not write the summary', { file: config.summary, error: (err as Error).message });
        return 1;
      }
    }
    if (outcome.exitCode !== 0) process.stderr.write(`trading run: ${outcome.reason}\n`);
    return outcome.exitCode;
  },
});
