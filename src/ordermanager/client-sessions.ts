/**
 * The order manager's sessions: which connection owns which stream of execution reports.
 *
 * - Every connection starts in an anonymous session of its own, `conn-<pid>-<n>` (unique
 *   across restarts, so a restored resting order of a previous process is never reported
 *   to a newcomer). The seed's clients (no HELLO) stay there, if the SessionPolicy takes
 *   anonymous clients (judged at their first frame); when such a connection goes, its
 *   resting orders are cancelled: no one could be told about them again.
 * - A HELLO is checked by the SessionPolicy (the secret on the threadpool); until the
 *   verdict nothing else of that connection is taken. A refusal is an ERROR
 *   (E_AUTH_FAILED / E_AUTH_REQUIRED) and the connection is closed.
 * - A proven identity owns the session named after it: its reports are numbered (by the
 *   core, report-numbering.ts: the numbers go on across restarts) and kept in a ring of the
 *   last N. A client that comes back with the journal's session id and the last sequence
 *   it saw is sent every later report before new ones (resync): from the ring while it
 *   holds them, else read back from the order journal (the ring overflowed, or this is a
 *   new order manager process). Its resting orders survive a disconnect for the resume
 *   grace period, then are cancelled.
 *   A newer connection that proves the same identity takes the session over; the older one
 *   gets E_SESSION_TAKEN_OVER. Whatever anyone else sends, no report of an identity goes to
 *   a connection that has not proven it, and the core only lets a session cancel its own
 *   orders (orders are keyed by session).
 */
import { ErrorCode, describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { FrameServerClient } from '../net/frame-server-client.js';
import type { PayloadKind } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION, type ExecutionReport, type Hello, type Message } from '../protocol/messages.js';
import { MAX_WORKING_ORDER_IDS } from '../protocol/validation.js';
import type { Admission, SessionPolicy } from '../session/session-policy.js';
import { ReportRing } from './report-ring.js';

/** One identity's (or one anonymous connection's) stream of reports. */
export interface Session {
  /** The name the core addresses its orders' reports to. */
  readonly key: string;
  /** The proven identity; undefined for an anonymous session (private to one connection). */
  readonly identity: string | undefined;
  /** Sequence of the last report numbered for it. */
  sequence: number;
  /** Its latest reports, for resync (proven identities only). */
  readonly ring: ReportRing | undefined;
  /** The connection that owns it now, if any. */
  client: FrameServerClient<Connection> | undefined;
  graceTimer: NodeJS.Timeout | undefined;
}

export type Admitted = 'new' | 'pending' | 'admitted' | 'refused';

export interface Connection {
  /** The session key the core knows this connection's orders by. */
  name: string;
  session: Session;
  /** Where admission stands: no frame yet, HELLO being checked, in, or refused. */
  admitted: Admitted;
  /** Said HELLO (one of ours): gets heartbeats. */
  named: boolean;
}

type Client = FrameServerClient<Connection>;

export interface ClientSessionsOptions {
  policy: SessionPolicy;
  /** Resting orders of a gone identity are cancelled after this long, ms (0 = at once). */
  resumeGraceMs: number;
  /** Reports kept per identity for resync. */
  replayReports: number;
  log: Logger;
  /** Encode and queue a message for a client, in `kind` (default: the client's mode). */
  send: (client: Client, message: Message, conflationKey: string | undefined, kind?: PayloadKind) => void;
  sendError: (client: Client, code: string, text: string) => void;
  /** Cancel the resting orders of a session key; `what` is the log line when there were some. */
  cancelResting: (key: string, reason: string, what: string) => void;
  /** Drop what the core keeps per session key (rate limiter, ...): the key will never be used again. */
  forget: (key: string) => void;
  /** The journal's session id (a resume is possible only within it). */
  sessionId: () => string;
  /** The last sequence of an identity's reports before this process. */
  recoveredSequence: (identity: string) => number;
  /** Read an identity's reports numbered after..upTo back from the order journal, oldest first. */
  readJournal: (identity: string, after: number, upTo: number, onReport: (report: ExecutionReport) => void) => number;
  /** The ids of an identity's orders that are working or have reports on their way (OrderManager.workingOrderIds). */
  workingOrderIds: (identity: string) => ReadonlySet<string>;
  stopping: () => boolean;
}

export const DISCONNECT_REASON = 'client disconnected: an anonymous connection cannot be told about this order again';
export const GRACE_REASON = 'client did not come back within the resume grace period';

export class ClientSessions {
  readonly counters = {
    hellos: 0,
    authFailures: 0,
    anonymousRefused: 0,
    /** HELLOs refused E_AUTH_BUSY: too many secrets being checked (session-policy.ts). */
    busyRefused: 0,
    sessionsResumed: 0,
    reportsReplayed: 0,
    reportsReplayedFromJournal: 0,
    takeovers: 0,
    graceExpiries: 0,
    undeliverable: 0,
  };
  readonly #sessions = new Map<string, Session>();
  readonly #options: ClientSessionsOptions;
  readonly #log: Logger;

  constructor(options: ClientSessionsOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  connected(client: Client): void {
    const key = `conn-${process.pid}-${client.id}`;
    const session: Session = { key, identity: undefined, sequence: 0, ring: undefined, client, graceTimer: undefined };
    this.#sessions.set(key, session);
    client.context = { name: key, session, admitted: 'new', named: false };
  }

  disconnected(client: Client): void {
    const connection = client.context;
    if (connection === undefined) return;
    const session = connection.session;
    if (session.client !== client) return; // taken over: the session lives on elsewhere
    session.client = undefined;
    if (session.identity === undefined) {
      this.#sessions.delete(session.key);
      this.#options.cancelResting(session.key, DISCONNECT_REASON, 'resting orders of a gone anonymous client canceled');
      this.#options.forget(session.key);
      return;
    }
    if (this.#options.stopping()) return;
    const graceMs = this.#options.resumeGraceMs;
    if (graceMs === 0) {
      this.#options.cancelResting(session.key, GRACE_REASON, 'resting orders canceled: no resume grace');
      return;
    }
    session.graceTimer = setTimeout(() => {
      session.graceTimer = undefined;
      if (session.client !== undefined || this.#options.stopping()) return;
      this.counters.graceExpiries++;
      this.#options.cancelResting(session.key, GRACE_REASON, 'resume grace over: resting orders canceled');
    }, graceMs);
  }

  /** Stop every grace timer (the process stops; it cancels every resting order itself). */
  stop(): void {
    for (const session of this.#sessions.values()) if (session.graceTimer !== undefined) clearTimeout(session.graceTimer);
  }

  /**
   * A frame from a connection not admitted yet: true when it may go on to the core. A
   * HELLO starts the admission; until its verdict nothing else is taken; a client that
   * never says HELLO (the seed's) is judged as anonymous at its first frame.
   */
  admit(client: Client, connection: Connection, message: Message): boolean {
    if (message.type === MessageType.HELLO) {
      this.hello(client, connection, message);
      return false;
    }
    if (connection.admitted === 'refused' || message.type === MessageType.HEARTBEAT) return false;
    if (connection.admitted === 'pending') {
      this.#options.sendError(client, ErrorCode.AUTH_REQUIRED, 'the session is not open yet: wait for the answer to your HELLO');
      return false;
    }
    const verdict = this.#options.policy.admitAnonymous(client.remoteAddress);
    if (!verdict.ok) {
      this.counters.anonymousRefused++;
      this.#refuse(client, connection, verdict, '');
      return false;
    }
    connection.admitted = 'admitted';
    return true;
  }

  /** A HELLO: check it, then open (or resume) the session and answer, or refuse. */
  hello(client: Client, connection: Connection, hello: Hello): void {
    this.counters.hellos++;
    const verdict = this.#options.policy.admit(hello, client.remoteAddress);
    if (!(verdict instanceof Promise)) {
      this.#admitted(client, connection, hello, verdict);
      return;
    }
    connection.admitted = 'pending';
    verdict.then(
      (settled) => this.#admitted(client, connection, hello, settled),
      (error: unknown) => this.#log.error('session admission failed', { client: client.id, error: describeError(error) }),
    );
  }

  /**
   * The session of a report's key for delivery: numbers the report and keeps it for resync.
   * Returns the client to send it to, or undefined when it has nowhere to go now.
   */
  route(key: string, report: ExecutionReport): Client | undefined {
    // an identity's orders restored from the journal report to it even before it connects
    const session = this.#sessions.get(key) ?? (this.#options.policy.credentials?.has(key) === true ? this.#sessionOf(key) : undefined);
    if (session === undefined) {
      this.counters.undeliverable++;
      return undefined;
    }
    // numbered by the core (0: not numbered, an anonymous session's)
    if (report.sequence > 0 && session.ring !== undefined) {
      session.sequence = report.sequence;
      session.ring.push(report);
    }
    const client = session.client;
    if (client === undefined || !client.open || client.context?.admitted !== 'admitted') {
      // the fill is in the trade log (and the report in the ring to replay); only this notification has nowhere to go
      this.counters.undeliverable++;
      return undefined;
    }
    return client;
  }

  #admitted(client: Client, connection: Connection, hello: Hello, verdict: Admission): void {
    if (!client.open || this.#options.stopping()) return;
    if (!verdict.ok) {
      if (verdict.code === ErrorCode.AUTH_FAILED) this.counters.authFailures++;
      else if (verdict.code === ErrorCode.AUTH_BUSY) this.counters.busyRefused++;
      else this.counters.anonymousRefused++;
      this.#refuse(client, connection, verdict, hello.clientName);
      return;
    }
    connection.admitted = 'admitted';
    connection.named = true;
    let session = connection.session;
    if (verdict.identity !== undefined && session.identity !== verdict.identity) {
      // leave the anonymous session of this connection for the identity's own
      if (session.identity === undefined) {
        this.#sessions.delete(session.key);
        this.#options.cancelResting(session.key, DISCONNECT_REASON, 'resting orders of an anonymous session canceled: it proved an identity');
        this.#options.forget(session.key);
      }
      session = this.#sessionOf(verdict.identity);
      this.#takeOver(session, client);
      connection.session = session;
      connection.name = session.key;
    }
    const lastSeen = hello.lastSequence ?? 0;
    const sessionId = this.#options.sessionId();
    const ring = session.ring;
    // what the ring no longer holds (or never held: a previous process's) comes from the journal
    let fromJournal: ExecutionReport[] = [];
    let resumed = ring !== undefined && hello.session === sessionId && lastSeen <= session.sequence;
    if (resumed && ring !== undefined && !ring.canReplayAfter(lastSeen)) {
      const upTo = ring.oldest - 1;
      this.#options.readJournal(session.key, lastSeen, upTo, (report) => fromJournal.push(report));
      if (fromJournal.length !== upTo - lastSeen) {
        // a gap (a repaired journal, say): replaying part would mislead; the client starts afresh
        this.#log.warn('resume refused: the order journal does not hold every report asked for', { identity: session.key, after: lastSeen, upTo, found: fromJournal.length });
        fromJournal = [];
        resumed = false;
      }
    }
    const answer: Hello = {
      type: MessageType.HELLO,
      protocolVersion: PROTOCOL_VERSION,
      clientName: 'ordermanager',
      binary: hello.binary,
      session: sessionId,
      lastSequence: resumed ? lastSeen : session.sequence,
      resumed,
    };
    let working = 0;
    if (resumed) {
      // the replay ends at replay_to; what the client sent before and neither the replay nor
      // this list accounts for never reached the journal (strategy/order-manager-link.ts)
      answer.replayTo = session.sequence;
      const ids = this.#options.workingOrderIds(session.key);
      working = ids.size;
      if (working <= MAX_WORKING_ORDER_IDS) answer.working = [...ids];
    }
    // the answer in JSON: the client reads both, and switches only once it has it
    this.#options.send(client, answer, undefined, 'json');
    client.mode = hello.binary ? 'binary' : 'json';
    let replayed = 0;
    if (resumed && ring !== undefined) {
      this.counters.sessionsResumed++;
      for (const report of fromJournal) this.#options.send(client, report, report.orderId);
      this.counters.reportsReplayedFromJournal += fromJournal.length;
      replayed = fromJournal.length + ring.replayAfter(Math.max(lastSeen, ring.oldest - 1), (report) => this.#options.send(client, report, report.orderId));
      this.counters.reportsReplayed += replayed;
    }
    this.#log.info('session open', { client: client.id, name: hello.clientName, identity: session.identity, mode: client.mode, resumed, replayed, fromJournal: fromJournal.length, sequence: session.sequence, working });
  }

  #takeOver(session: Session, client: Client): void {
    const previous = session.client;
    if (previous !== undefined && previous !== client && previous.open) {
      this.counters.takeovers++;
      this.#log.warn('session taken over by a newer connection that proved the identity', { identity: session.key, previous: previous.id, current: client.id });
      this.#options.sendError(previous, ErrorCode.SESSION_TAKEN_OVER, `identity ${session.key} is now served on a newer connection`);
      previous.close();
    }
    if (session.graceTimer !== undefined) clearTimeout(session.graceTimer);
    session.graceTimer = undefined;
    session.client = client;
  }

  #refuse(client: Client, connection: Connection, verdict: Admission & { ok: false }, name: string): void {
    connection.admitted = 'refused';
    this.#log.warn('session refused: closing client', { client: client.id, remote: client.remote, name, code: verdict.code });
    this.#options.sendError(client, verdict.code, verdict.message);
    client.close();
  }

  /** The session of a proven identity, made on first use. */
  #sessionOf(identity: string): Session {
    let session = this.#sessions.get(identity);
    if (session === undefined) {
      // numbering goes on from the journal's; the ring holds only what this process made
      const sequence = this.#options.recoveredSequence(identity);
      const ring = new ReportRing(this.#options.replayReports);
      ring.startAfter(sequence);
      session = { key: identity, identity, sequence, ring, client: undefined, graceTimer: undefined };
      this.#sessions.set(identity, session);
    }
    return session;
  }
}
