/**
 * Report lines of fills the trade log does not hold, found and cut off at recovery.
 *
 * A fill's line (trade log) and its numbered report line (order journal) are appended in the
 * same order and synced apart, in parallel on the threadpool (trade-log.ts). A crash between
 * the two syncs (power lost, the kernel gone) can leave the order journal holding report
 * lines of fills that never became durable. None of them was sent (a report leaves once both
 * files are durable up to it), but a client resuming its session would be replayed them:
 * fills that do not exist. Such a line is the first of the unfinished commit in the order
 * journal, so it and every line after it are cut off (kept in PATH.bad); what they said is
 * forgotten as if the crash had come a little earlier, except their ids, which stay used.
 *
 * The trade log's last fill is read backwards first (journal-file.ts findLastRecord): the
 * order journal is replayed before the trade log, and what is cut must never be replayed.
 * A crash leaves at most one commit unfinished; more than MAX_CUT_BYTES past the first such
 * line is not what a crash leaves (a trade log replaced under its order journal, say): then
 * nothing is cut, and that is logged as an error.
 */
import type { Logger } from '../core/log.js';
import { findLastRecord, moveTailAside } from './journal-file.js';
import type { JournalNote } from './report-line.js';
import { createLoggedFill, parseFillLine } from './trade-log-line.js';

/** The most a cut may take: far more than one commit's lines (a few MB at the largest batches seen). */
export const MAX_CUT_BYTES = 64 * 1024 * 1024;

export class UnloggedReports {
  /** The execution number of the trade log's last fill; undefined when it cannot be told. */
  readonly lastLogged: bigint | undefined;
  /** Where the cut starts (a line's first byte and its number), once found. */
  cut: { offset: number; lineNumber: number } | undefined;
  /** Lines past the cut, and fill report lines among them. */
  lines = 0;
  reports = 0;
  /** The highest execution number the cut lines said. */
  lastExecutionNumber = 0n;

  readonly #log: Logger;
  /** The order journal's size before its scan. */
  readonly #journalBytes: number;
  #tooLarge = false;

  /**
   * Read the last fill of the trade log `fillsFd` at or after byte `from` (a checkpoint's
   * point, whose last number is `floor`); `journalBytes` is the order journal's size.
   */
  constructor(fillsFd: number, from: number, floor: bigint, journalBytes: number, log: Logger, path: string) {
    this.#log = log;
    this.#journalBytes = journalBytes;
    const fill = createLoggedFill();
    const line = findLastRecord(fillsFd, from, (text) => parseFillLine(text, fill) && fill.executionNumber > 0n);
    if (line === undefined) {
      log.warn('the trade log\'s last fill is not in its last MiB: report lines of fills it lacks cannot be told apart', { path });
      this.lastLogged = undefined;
    } else {
      this.lastLogged = line !== null && fill.executionNumber > floor ? fill.executionNumber : floor;
    }
  }

  /**
   * A valid line of the order journal (`note` when it is a report or session line): true when
   * it is past the cut, and so must not be replayed.
   */
  past(note: Readonly<JournalNote> | undefined, offset: number, lineNumber: number): boolean {
    const fillReport = note !== undefined && note.kind === 'report' && note.executionNumber > 0n;
    if (this.cut === undefined) {
      if (!fillReport || this.lastLogged === undefined || this.#tooLarge || note.executionNumber <= this.lastLogged) return false;
      if (this.#journalBytes - offset > MAX_CUT_BYTES) {
        this.#tooLarge = true;
        this.#log.error('the order journal holds reports of fills the trade log does not, too far from its end to be a crash\'s unfinished commit: nothing cut (do these files belong together?)', {
          line: lineNumber,
          execution: note.executionNumber.toString(),
          lastLoggedExecution: this.lastLogged.toString(),
          bytesAfter: this.#journalBytes - offset,
        });
        return false;
      }
      this.cut = { offset, lineNumber };
    }
    this.lines++;
    if (fillReport) {
      this.reports++;
      if (note.executionNumber > this.lastExecutionNumber) this.lastExecutionNumber = note.executionNumber;
    }
    return true;
  }

  /** Cut the order journal (`fd`, `size` bytes) back to where the cut starts, the lines kept in `badPath`. */
  apply(fd: number, size: number, path: string, badPath: string): void {
    if (this.cut === undefined) return;
    moveTailAside(fd, this.cut.offset, size, badPath);
    this.#log.warn('order journal: reports of fills the trade log does not hold cut off, with the lines after them (a crash between the two files\' syncs; none of them was sent)', {
      path,
      line: this.cut.lineNumber,
      lines: this.lines,
      reports: this.reports,
      lastLoggedExecution: (this.lastLogged ?? 0n).toString(),
      movedTo: badPath,
    });
  }
}
