/**
 * The order journal's lines for resync (sessions): besides its order events
 * (order-event-line.ts) the order journal holds
 *
 * - one `report` line per execution report of a proven identity, numbered per identity:
 *     {"event":"report","client":"strategy","seq":17,"message":{"type":5,"data":{...}}}
 *   `message` is the report exactly as the wire's JSON says it (json-encoder.ts), so a
 *   replay sends what the live report said. Every numbered report is durable here before
 *   it leaves, so whatever sequence a client saw is in the journal: a new order manager
 *   process goes on numbering after it and can replay anything later.
 * - one `session` line, the journal's session id: written once when a journal has none.
 *   A client resumes only a session of the same id, so sequences of another journal (a
 *   new trade log) are never taken for ours.
 */
import type { ExecutionReport } from '../protocol/messages.js';
import { encodeJsonPayload } from '../protocol/json-encoder.js';
import { executionNumberOf } from './execution-id.js';

export function encodeReportLine(client: string, report: Readonly<ExecutionReport>): string {
  return `{"event":"report","client":${JSON.stringify(client)},"seq":${report.sequence},"message":${encodeJsonPayload(report as ExecutionReport)}}\n`;
}

export function encodeSessionLine(id: string): string {
  return `{"event":"session","id":${JSON.stringify(id)}}\n`;
}

/** The start of every report line of `client`, up to its sequence (a cheap filter before parsing). */
export function reportLinePrefix(client: string): string {
  return `{"event":"report","client":${JSON.stringify(client)},"seq":`;
}

/** What a report or session line says (the message left as parsed JSON until needed). */
export interface JournalNote {
  kind: 'report' | 'session';
  client: string;
  sequence: number;
  message: unknown;
  /** n of the report's execution id `E<n>` (a fill's report); 0n for a report without a fill. */
  executionNumber: bigint;
  sessionId: string;
}

export function createJournalNote(): JournalNote {
  return { kind: 'session', client: '', sequence: 0, message: undefined, executionNumber: 0n, sessionId: '' };
}

/** A parsed order-journal record that is a report or session line, into `out`; false if it is not one. */
export function readJournalNote(record: Record<string, unknown>, out: JournalNote): boolean {
  const event = record['event'];
  if (event === 'session') {
    const id = record['id'];
    if (typeof id !== 'string' || id === '') return false;
    out.kind = 'session';
    out.sessionId = id;
    return true;
  }
  if (event !== 'report') return false;
  const { client, seq, message } = record;
  if (typeof client !== 'string' || client === '') return false;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return false;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
  out.kind = 'report';
  out.client = client;
  out.sequence = seq;
  out.message = message;
  const data = (message as Record<string, unknown>)['data'];
  const executionId = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['execution_id'] : undefined;
  out.executionNumber = typeof executionId === 'string' ? executionNumberOf(executionId) : 0n;
  return true;
}
