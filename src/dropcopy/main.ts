/**
 * `trading dropcopy --bus URL [--from SEQ] [--json] [--count N] [--shm NAME] [--metrics-port P]`:
 * print the order manager's durable fills from the EXECUTIONS stream (dropcopy.ts). Fills go
 * to stdout, one line each; log lines to stderr; counters into `<shm>.metrics.dropcopy`.
 * Exit 0 after a clean stop (or N fills), 2 for bad options.
 */
import { busFields, busStreamField, settleBusOptions } from '../bus/bus-config.js';
import { componentCommand } from '../command/command.js';
import { commonFields, type Schema } from '../config/schema.js';
import { metricsPortField, withMetricsServer } from '../metrics/metrics-server.js';
import { DropCopy } from './dropcopy.js';
import { ErrorCode, TradingError } from '../core/errors.js';

export const dropCopySchema = {
  ...busFields,
  busStream: busStreamField('the stream of durable fills to read'),
  from: { kind: 'integer', default: 1, min: 1, max: Number.MAX_SAFE_INTEGER, description: 'first stream sequence to print (1 = from the beginning)' },
  json: { kind: 'boolean', default: false, description: 'one JSON object per fill (with its stream sequence) instead of text' },
  count: { kind: 'integer', default: 0, min: 0, max: Number.MAX_SAFE_INTEGER, description: 'stop after this many fills (0 = run until stopped)' },
  shm: { ...commonFields.shm(), description: "the system's book segment name: the drop copy's counters segment is named after it (for trading stat and /metrics)" },
  metricsPort: metricsPortField,
} as const satisfies Schema;

export const main = componentCommand({
  name: 'dropcopy',
  schema: dropCopySchema,
  settle: (config, problems) => {
    const bus = settleBusOptions(config, 'dropcopy', problems);
    if (config.bus === undefined) problems.push('--bus: required (nats://HOST:PORT of the NATS server)');
    return { ...config, bus };
  },
  component: (config, { log }) => {
    const bus = config.bus;
    if (bus === undefined) throw new TradingError(ErrorCode.INTERNAL, 'unreachable: --bus is checked by settle');
    return withMetricsServer(new DropCopy({
      bus,
      stream: config.busStream,
      fromSequence: config.from,
      json: config.json,
      count: config.count,
      write: (text) => process.stdout.write(text),
      // N fills printed: the same graceful stop as a Ctrl+C, exit 0
      onDone: () => process.kill(process.pid, 'SIGTERM'),
      log,
      metricsShm: config.shm,
    }), { port: config.metricsPort, shm: config.shm, component: 'dropcopy', log });
  },
});
