/** `trading import --csv FILE --out FILE`: a CSV of L2 snapshots into a recording (csv-import.ts). */
import { taskCommand } from '../command/command.js';
import type { Schema } from '../config/schema.js';
import { importCsv } from './csv-import.js';

export const importSchema = {
  csv: { kind: 'string', description: 'the CSV of L2 snapshots to read (columns in src/replay/csv-import.ts and the README)' },
  out: { kind: 'string', description: 'the recording file to write' },
} as const satisfies Schema;

export const main = taskCommand({
  name: 'import',
  schema: importSchema,
  task: async (config) => {
    const result = importCsv(config.csv, config.out);
    process.stdout.write(
      `imported ${result.rows} snapshots of ${result.symbols.join(',')} (${result.levels} levels) spanning ${(result.lastTime - result.firstTime).toFixed(3)} s into ${config.out}\n`,
    );
    return 0;
  },
});
