/**
 * Per-identity report sequences that survive a restart (resync, issue 10).
 *
 * The reports of a proven identity (the predicate says which clients are: the auth file's
 * identities) are numbered 1, 2, 3, ... per identity when they are made, and each one is
 * journaled as a report line (report-line.ts) before it may leave. A new process reads the
 * highest sequence of every identity back from the order journal (or its checkpoint) and
 * goes on from there, so a client that saw sequence n of a previous process can ask this
 * one for everything after n. Anonymous sessions (one connection each, never resumed) are
 * not numbered: their reports carry sequence 0 and cost nothing more.
 *
 * The journal's session id (a `session` line, written once, before its first report line) tells a resuming client that
 * these sequences are those of the journal it saw, not of another trade log.
 */
import { randomBytes } from 'node:crypto';
import { ExecutionStatus, type ExecutionReport } from '../protocol/messages.js';
import { createExecutionReport } from '../protocol/reusable-messages.js';
import type { ExecutionJournal, Liquidity, LoggedFill } from './execution-journal.js';
import type { JournalNote } from './report-line.js';
import { writeFillReport } from './trade-log-line.js';

/** Why an order's remainder is reported CANCELED at recovery (see `recovered`). */
export const REASON_RECOVERED_REMAINDER = 'remainder canceled: the order manager restarted after this fill and the order was no longer working';

export class ReportNumbering {
  readonly #sequences = new Map<string, number>();
  /** The sequences read back at the start: every one durable, delivered or not. */
  readonly #recovered = new Map<string, number>();
  readonly #numbered: (client: string) => boolean;
  #sessionId = '';
  #sessionUnjournaled = false;

  constructor(numbered: (client: string) => boolean = () => false) {
    this.#numbered = numbered;
  }

  /** The journal's session id ('' until recovery found or made one). */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** Recovery: a checkpoint's sequences and session id. */
  restore(sequences: Iterable<[string, number]>, sessionId: string): void {
    for (const [client, sequence] of sequences) this.#sequences.set(client, sequence);
    this.#sessionId = sessionId;
  }

  /** Recovery: one report or session line of the order journal, oldest first. */
  note(note: Readonly<JournalNote>): void {
    if (note.kind === 'session') {
      if (this.#sessionId === '') this.#sessionId = note.sessionId;
      return;
    }
    if (note.sequence > (this.#sequences.get(note.client) ?? 0)) this.#sequences.set(note.client, note.sequence);
  }

  /**
   * End of recovery. Each of `unreported` (fills numbered when made whose report line a
   * crash lost, recovery.ts) gets its report line now, numbered after the identity's last
   * one, in order: nothing was sent for them (a report leaves once its line is durable), so
   * the numbers are free, and a client resuming this session is replayed every fill. An
   * order left partly filled by the last of them that is not working now (`isWorking` says,
   * after recovery) is reported CANCELED after it: its own end was lost with it. A
   * journal without a session id has nothing to resume: it gets an id, journaled at once
   * when `journalSession` (an order manager with identities: the id must be durable before
   * any client is told it), else with the first report line. Returns how many reports were
   * journaled.
   */
  recovered(journal: ExecutionJournal, journalSession: boolean, unreported: readonly Readonly<LoggedFill>[] = [], isWorking: (orderId: string) => boolean = () => false): number {
    let journaled = 0;
    if (this.#sessionId === '') {
      this.#sessionId = randomBytes(8).toString('hex');
      if (journalSession) journal.appendSession(this.#sessionId);
      else this.#sessionUnjournaled = true;
    } else {
      // an order's last such fill that left some of it, when the order is not working now (an
      // IOC, or a DAY order whose resting was lost with the same commit): its end was lost too
      const lastFillOf = new Map<string, number>();
      unreported.forEach((fill, index) => lastFillOf.set(fill.orderId, index));
      const report = createExecutionReport(ExecutionStatus.FILLED);
      unreported.forEach((fill, index) => {
        writeFillReport(fill, report);
        this.#appendRecovered(fill.client, report, journal);
        journaled++;
        if (fill.leavesQuantity === 0 || lastFillOf.get(fill.orderId) !== index || isWorking(fill.orderId)) return;
        report.status = ExecutionStatus.CANCELED;
        report.executionId = '';
        report.lastQuantity = 0;
        report.lastPrice = 0;
        report.leavesQuantity = 0;
        report.reason = REASON_RECOVERED_REMAINDER;
        this.#appendRecovered(fill.client, report, journal);
        journaled++;
      });
    }
    for (const [client, sequence] of this.#sequences) this.#recovered.set(client, sequence);
    return journaled;
  }

  #appendRecovered(client: string, report: ExecutionReport, journal: ExecutionJournal): void {
    report.sequence = (this.#sequences.get(client) ?? 0) + 1;
    this.#sequences.set(client, report.sequence);
    journal.appendReport(client, report);
  }

  /**
   * Number `report` for `client` and, when its reports are numbered, journal its report line
   * (the session id's line first, once): returns the line's position, else `position` (what
   * the report waits for anyway). Unnumbered reports get sequence 0.
   */
  journal(client: string, report: ExecutionReport, journal: ExecutionJournal, position: number): number {
    if (!this.number(client, report)) return position;
    return this.#appendReport(client, report, journal);
  }

  /**
   * A fill: number its report for `client`, append the fill to the trade log (its line says
   * the sequence: recovery.ts needs it after a crash) and, when numbered, its report line.
   * Returns the position the report waits for: the last of the two.
   */
  journalFill(client: string, report: ExecutionReport, journal: ExecutionJournal, liquidity: Liquidity, bookSequence: number): number {
    const numbered = this.number(client, report);
    const position = journal.append(report, client, liquidity, bookSequence);
    return numbered ? this.#appendReport(client, report, journal) : position;
  }

  #appendReport(client: string, report: ExecutionReport, journal: ExecutionJournal): number {
    if (this.#sessionUnjournaled) {
      this.#sessionUnjournaled = false;
      journal.appendSession(this.#sessionId);
    }
    return journal.appendReport(client, report);
  }

  /** Set report.sequence for `client` (0 when its reports are not numbered); true when numbered. */
  number(client: string, report: ExecutionReport): boolean {
    const last = this.#sequences.get(client);
    if (last === undefined && !this.#numbered(client)) {
      report.sequence = 0;
      return false;
    }
    const sequence = (last ?? 0) + 1;
    this.#sequences.set(client, sequence);
    report.sequence = sequence;
    return true;
  }

  /** The last sequence of `client` read back at the start (0: none). */
  recoveredSequence(client: string): number {
    return this.#recovered.get(client) ?? 0;
  }

  /** Every numbered client's last sequence (a checkpoint's). */
  entries(): [string, number][] {
    return [...this.#sequences];
  }
}
