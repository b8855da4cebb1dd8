/**
 * Read a trade log without opening it for writing: for tools and tests that check what
 * a (possibly killed) order manager left on disk. Same parsing and checksum rules as
 * recovery, but it refuses nothing: bad lines are counted, and `fills` holds every valid
 * line (a duplicated execution id twice; `duplicates` counts the repeats).
 */
import { closeSync, openSync } from 'node:fs';
import type { JournalFileRecovery, LoggedFill } from './execution-journal.js';
import { scanJournalLines } from './journal-file.js';
import { createLoggedFill, parseFillLine } from './trade-log-line.js';

export function readTradeLog(path: string): { fills: LoggedFill[]; duplicates: number; recovery: JournalFileRecovery } {
  const fd = openSync(path, 'r');
  try {
    const fills: LoggedFill[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    const fill = createLoggedFill();
    const scan = scanJournalLines(
      fd,
      (line) => {
        if (!parseFillLine(line, fill)) return false;
        if (seen.has(fill.executionId)) duplicates++;
        seen.add(fill.executionId);
        fills.push({ ...fill });
        return true;
      },
      () => undefined,
    );
    return { fills, duplicates, recovery: { path, ...scan } };
  } finally {
    closeSync(fd);
  }
}
