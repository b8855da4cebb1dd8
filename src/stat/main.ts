/**
 * `trading stat [--shm NAME] [--json] [--watch SECONDS]`: a system's counters, read from its
 * counters segments with no help from its processes (Aeron's AeronStat is the model).
 *
 *   on a terminal      a table redrawn every --watch seconds (default 1) until Ctrl+C
 *   --json             every component's counters and histograms once, as JSON
 *   not a terminal     the table once, or every --watch seconds when given
 *
 * The system is found by its book's --shm name (the default is what `npm start` uses); a
 * component started alone is found the same way, by the --shm it was given.
 */
import { componentCounterValues, statJson, statTable } from './stat-format.js';
import { taskCommand } from '../command/command.js';
import { commonFields, type Schema } from '../config/schema.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { readSystemCounters, type ComponentSnapshot } from '../metrics/index.js';

export const statSchema = {
  shm: { ...commonFields.shm(), description: "the system's book segment name: its components' counters are named after it" },
  json: { kind: 'boolean', default: false, description: 'print every counter and histogram once, as JSON, and exit' },
  watch: { kind: 'number', default: 0, min: 0, max: 3600, description: 'redraw the table every this many seconds (0: every second on a terminal, once otherwise)' },
} as const satisfies Schema;

function read(shm: string): ComponentSnapshot[] {
  const snapshots = readSystemCounters(shm);
  if (snapshots.length === 0) {
    throw new TradingError(ErrorCode.SHM_NOT_FOUND, `no counters segment is named after ${shm}: is a system (or a component) running with --shm ${shm}?`);
  }
  return snapshots;
}

export const main = taskCommand({
  name: 'stat',
  schema: statSchema,
  task: async (config, { stopping }) => {
    if (config.json) {
      process.stdout.write(`${JSON.stringify(statJson(config.shm, read(config.shm)), null, 2)}\n`);
      return 0;
    }
    const terminal = process.stdout.isTTY === true;
    const everySeconds = config.watch > 0 ? config.watch : terminal ? 1 : 0;
    let previous: { atMs: number; values: Map<string, Map<string, number>> } | undefined;
    for (;;) {
      const snapshots = read(config.shm);
      const atMs = Date.now();
      const values = new Map(snapshots.map((s) => [s.component, componentCounterValues(s)]));
      const table = statTable(config.shm, snapshots, previous === undefined ? undefined : { seconds: (atMs - previous.atMs) / 1000, values: previous.values });
      previous = { atMs, values };
      // on a terminal: home the cursor and clear, so the table redraws in place
      process.stdout.write(terminal && everySeconds > 0 ? `\x1b[H\x1b[2J${table}\n` : `${table}\n`);
      if (everySeconds === 0) return 0;
      const stopped = await new Promise<boolean>((resolve) => {
        if (stopping.aborted) return resolve(true);
        const timer = setTimeout(() => {
          stopping.removeEventListener('abort', onAbort);
          resolve(false);
        }, everySeconds * 1000);
        const onAbort = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        stopping.addEventListener('abort', onAbort, { once: true });
      });
      if (stopped) return 0;
      if (!terminal) process.stdout.write('\n');
    }
  },
});
