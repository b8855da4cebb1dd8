/**
 * The client half of the session layer, for one FrameClient connection (re-armed on every
 * reconnect):
 *
 *   connect ─► our HELLO, in JSON (any server reads it): name, wants binary, secret if any,
 *              the server session we had and the last report sequence we saw
 *           ─► the server's HELLO: its mode, the session it opened or resumed  → open, in
 *              that mode (binary from ours); replayed reports follow
 *           ─► nothing within helloTimeoutMs: a JSON-only peer (the seed's)      → open, in
 *              JSON, for the whole connection; unless we track a session this server
 *              opened on an earlier connection (resync): it speaks HELLO, so it is only
 *              slow (a restarted server checking our secret on a loaded machine), and
 *              opening without its answer would give up the session it may resume
 *              (our open orders abandoned, the reports it replays then ignored). We go on
 *              waiting; a server that never answers is dropped by the connection's heartbeat.
 *           ─► ERROR E_AUTH_FAILED / E_AUTH_REQUIRED: refused; the server closes
 *
 * Until the connection is open the application sends nothing of its own (`open` is false):
 * no binary frame ever reaches a server that has not said it takes them.
 */
import { ErrorCode } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { SendStatus } from '../net/send-status.js';
import { MessageEncoder, type PayloadKind } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION, type ErrorMessage, type Hello, type Message } from '../protocol/messages.js';

export type ClientSessionState = 'closed' | 'negotiating' | 'open';

export interface ClientSessionOptions {
  /** The identity we claim (and our name in the server's logs). */
  name: string;
  /** Our secret, or undefined to claim nothing we cannot prove. Never logged. */
  token?: string | undefined;
  /** Whether we track report sequences and ask for a resync on reconnect (the order manager's clients). */
  resync?: boolean;
  /** Ask a gateway to write each tick to us before its other clients (HELLO `priority`). */
  priority?: boolean;
  helloTimeoutMs: number;
  /** Send one complete frame on the connection. */
  send: (frame: Uint8Array) => SendStatus;
  log: Logger;
  /** The connection is open for the application, in `mode`. */
  onOpen?: (session: ClientSession) => void;
  /** The server refused us (its ERROR); it closes the connection. */
  onRefused?: (error: Readonly<ErrorMessage>) => void;
}

export class ClientSession {
  readonly name: string;
  readonly helloTimeoutMs: number;
  /** The kind we send on this connection: JSON until the server has answered. */
  mode: PayloadKind = 'json';
  state: ClientSessionState = 'closed';
  /** The server answered our HELLO on this connection (false: a JSON-only peer). */
  answered = false;
  /** The server resumed our session: reports we missed are being replayed. */
  resumed = false;
  /** The server's session id, kept across reconnects to ask for a resume. */
  serverSession = '';
  /** The highest report sequence seen. */
  lastSequence = 0;
  /** Resumed: the sequence of the last report the server replays (0 when it did not say). */
  replayTo = 0;
  /**
   * Resumed: the ids of our orders the server holds as working or still has reports of on
   * their way (its HELLO's `working`); undefined when it did not say (an older server).
   */
  working: readonly string[] | undefined = undefined;
  /**
   * Counters. slowAnswers: HELLO answers still awaited past helloTimeoutMs from a server
   * whose session we track (see above).
   */
  readonly counters = { hellos: 0, answers: 0, jsonFallbacks: 0, slowAnswers: 0, refusals: 0, resumes: 0 };

  readonly #options: ClientSessionOptions;
  readonly #encoder = new MessageEncoder({ mode: 'json' });
  #timer: NodeJS.Timeout | undefined;
  #waiting: (() => void)[] = [];
  /** When our HELLO of this connection left (Date.now()). */
  #helloSentMs = 0;

  constructor(options: ClientSessionOptions) {
    this.name = options.name;
    this.helloTimeoutMs = options.helloTimeoutMs;
    this.#options = options;
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** Resolves once a connection's session is open (at once if it is). */
  whenOpen(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #opened(): void {
    this.#options.onOpen?.(this);
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  /** The connection is up: say HELLO (in JSON) and wait for the answer. */
  connected(): void {
    this.#clearTimer();
    this.state = 'negotiating';
    this.mode = 'json';
    this.answered = false;
    this.resumed = false;
    this.replayTo = 0;
    this.working = undefined;
    const hello: Hello = { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: this.name, binary: true };
    const token = this.#options.token;
    if (token !== undefined && token !== '') hello.authToken = token;
    if (this.#options.priority === true) hello.priority = true;
    if (this.#options.resync === true && this.serverSession !== '') {
      hello.session = this.serverSession;
      hello.lastSequence = this.lastSequence;
    }
    const bytes = this.#encoder.encode(hello, 'json');
    this.counters.hellos++;
    this.#helloSentMs = Date.now();
    this.#options.send(this.#encoder.buffer.subarray(0, bytes));
    this.#timer = setTimeout(this.#noAnswer, this.helloTimeoutMs);
  }

  /** The connection is gone. */
  disconnected(): void {
    this.#clearTimer();
    this.state = 'closed';
  }

  /** A report's sequence (resync): the highest seen is what we ask to resume after. */
  noteSequence(sequence: number): void {
    if (sequence > this.lastSequence) this.lastSequence = sequence;
  }

  /**
   * A message from the server: returns true when the session layer consumed it (the
   * server's HELLO, or its refusal while we negotiate).
   */
  handle(message: Message): boolean {
    if (message.type === MessageType.HELLO) {
      this.#answer(message);
      return true;
    }
    if (message.type === MessageType.ERROR && (message.code === ErrorCode.AUTH_FAILED || message.code === ErrorCode.AUTH_REQUIRED || message.code === ErrorCode.AUTH_BUSY)) {
      this.counters.refusals++;
      this.#clearTimer();
      this.#options.log.error('the server refused our session', { name: this.name, code: message.code, message: message.message });
      this.#options.onRefused?.(message);
      return true;
    }
    return false;
  }

  #answer(hello: Readonly<Hello>): void {
    if (this.state === 'closed') return;
    this.#clearTimer();
    this.counters.answers++;
    this.answered = true;
    this.mode = hello.binary ? 'binary' : 'json';
    const previous = this.serverSession;
    this.serverSession = hello.session ?? '';
    this.resumed = hello.resumed === true && previous !== '' && previous === this.serverSession;
    if (this.resumed) {
      this.counters.resumes++;
      this.replayTo = hello.replayTo ?? 0;
      this.working = hello.replayTo === undefined ? undefined : hello.working;
    }
    // not resumed: numbering goes on from the server's last sequence for us
    else this.lastSequence = hello.lastSequence ?? 0;
    const wasOpen = this.state === 'open';
    this.state = 'open';
    this.#options.log.info('session open', {
      name: this.name,
      server: hello.clientName,
      mode: this.mode,
      resumed: this.resumed,
      lastSequence: this.lastSequence,
      answerMs: Date.now() - this.#helloSentMs,
    });
    if (!wasOpen) this.#opened();
  }

  #noAnswer = (): void => {
    this.#timer = undefined;
    if (this.state !== 'negotiating') return;
    if (this.#options.resync === true && this.serverSession !== '') {
      this.counters.slowAnswers++;
      this.#options.log.warn('no HELLO answer yet from a server that opened our session before: still waiting for it, so that it can resume the session', {
        name: this.name,
        timeoutMs: this.helloTimeoutMs,
        session: this.serverSession,
        lastSequence: this.lastSequence,
      });
      return;
    }
    this.counters.jsonFallbacks++;
    this.mode = 'json';
    this.state = 'open';
    this.#options.log.info('no HELLO answer: speaking the seed\'s JSON on this connection', { name: this.name, timeoutMs: this.helloTimeoutMs });
    this.#opened();
  };

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
