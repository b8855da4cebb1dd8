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
import type { ExecutionReport } from '../protocol/messages.js';
import type { ExecutionJournal } from './execution-journal.js';
import type { JournalNote } from './report-line.js';

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
   * End of recovery; a journal without a session id gets one: journaled at once when
   * `journal` is given (an order manager with identities: the id must be durable before
   * any client is told it), else with the first report line.
   */
  recovered(journal?: ExecutionJournal): void {
    for (const [client, sequence] of this.#sequences) this.#recovered.set(client, sequence);
    if (this.#sessionId !== '') return;
    this.#sessionId = randomBytes(8).toString('hex');
    if (journal === undefined) this.#sessionUnjournaled = true;
    else journal.appendSession(this.#sessionId);
  }

  /**
   * Number `report` for `client` and, when its reports are numbered, journal its report line
   * (the session id's line first, once): returns the line's position, else `position` (what
   * the report waits for anyway). Unnumbered reports get sequence 0.
   */
  journal(client: string, report: ExecutionReport, journal: ExecutionJournal, position: number): number {
    if (!this.number(client, report)) return position;
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
