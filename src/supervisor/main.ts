/**
 * `trading run` (what `npm start` runs): the whole system until Ctrl+C, SIGTERM or
 * --duration. Exit 0 after a clean run; 1 with the reason otherwise; 2 for bad options.
 */
import { writeFileSync } from 'node:fs';
import { describeSchema, loadConfig } from '../config/schema.js';
import { ErrorCode, isTradingError } from '../core/errors.js';
import { createLogger, setLogSink } from '../core/log.js';
import { EXIT_USAGE } from '../core/runtime.js';
import { ShmError, closeSegment, openSegment, unlinkSegment } from '../shm/index.js';
import { Display } from './display.js';
import { runSchema } from './run-config.js';
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

export async function main(argv: string[]): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(runSchema, { argv });
  } catch (err) {
    if (isTradingError(err)) {
      process.stderr.write(`trading run: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (loaded.help) {
    process.stdout.write(describeSchema('run', runSchema) + '\n');
    return 0;
  }
  const { config } = loaded;
  const display = new Display({
    write: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY,
    columns: process.stderr.columns,
  });
  setLogSink((line) => display.line(line));
  const log = createLogger('supervisor');
  const supervisor = new Supervisor({ config, log, display, sharedMemory });

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      supervisor.requestStop(`${signal} received`);
      return;
    }
    log.warn('second signal: killing every component now');
    supervisor.forceKill();
    sharedMemory.remove(config.shm);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const outcome = await supervisor.run();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
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
}
