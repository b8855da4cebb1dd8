/**
 * Read a trade log without opening it for writing: for tools and tests that check what
 * a (possibly killed) order manager left on disk. Same parsing and skipping rules as
 * recovery.
 */
import { closeSync, openSync } from 'node:fs';
import type { JournalFileRecovery, LoggedFill } from './execution-journal.js';
import { scanJournalLines } from './journal-file.js';
import { createLoggedFill, parseFillLine } from './trade-log-line.js';

export function readTradeLog(path: string): { fills: LoggedFill[]; recovery: JournalFileRecovery } {
  const fd = openSync(path, 'r');
  try {
    const fills: LoggedFill[] = [];
    const fill = createLoggedFill();
    const scan = scanJournalLines(
      fd,
      (line) => {
        if (!parseFillLine(line, fill)) return false;
        fills.push({ ...fill });
        return true;
      },
      () => undefined,
    );
    return { fills, recovery: { path, ...scan } };
  } finally {
    closeSync(fd);
  }
}
