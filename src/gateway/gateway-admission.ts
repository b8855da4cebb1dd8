/**
 * Who gets a gateway's stream, and in which kind; used by the live gateway and the replay
 * gateway alike. Every client starts in the seed's JSON and needs to send nothing: a client
 * the SessionPolicy takes anonymously (from loopback unless --no-anonymous) streams at once.
 * A client that sends HELLO is checked by the policy (a claimed identity needs its secret:
 * E_AUTH_FAILED otherwise, and the connection is closed), answered with our HELLO in JSON,
 * and gets binary from then on if it asked (HELLO {binary: false} switches it back). A client
 * the policy does not take anonymously gets nothing until its HELLO is accepted, and is
 * closed with E_AUTH_REQUIRED if none comes within HELLO_WAIT_MS.
 *
 * Which clients a gateway streams to is its own business: it hears of each change through
 * `admitted` and `removed`.
 */
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { FrameServerClient, PayloadMode } from '../net/frame-server-client.js';
import { MessageType, PROTOCOL_VERSION, type Hello } from '../protocol/messages.js';
import type { Admission, SessionPolicy } from '../session/session-policy.js';

/** A client the policy does not take anonymously is closed if it has not said HELLO by then. */
const HELLO_WAIT_MS = 5_000;

/** What the admission keeps per client; a gateway's client state extends it. */
export interface AdmissionState {
  /** Gets the stream: taken anonymously, or its HELLO was accepted. */
  admitted: boolean;
  /** Closes a client that has not been admitted in time. */
  helloTimer: NodeJS.Timeout | undefined;
}

export interface GatewayAdmissionOptions<S extends AdmissionState> {
  policy: SessionPolicy;
  /** A new client's state, not admitted and without a timer. */
  newState: () => S;
  /** Our HELLO answer as a JSON frame, header included. */
  jsonFrame: (hello: Hello) => Uint8Array;
  /**
   * The client gets the stream from now on, in `client.mode`: taken anonymously (`hello`
   * undefined) or its HELLO accepted (and answered). Called again on each accepted HELLO.
   */
  admitted: (client: FrameServerClient<S>, hello: Hello | undefined) => void;
  /** The client no longer gets the stream: refused, or gone. */
  removed: (client: FrameServerClient<S>) => void;
  log: Logger;
}

export class GatewayAdmission<S extends AdmissionState> {
  readonly #options: GatewayAdmissionOptions<S>;
  readonly #policy: SessionPolicy;
  readonly #log: Logger;

  constructor(options: GatewayAdmissionOptions<S>) {
    this.#options = options;
    this.#policy = options.policy;
    this.#log = options.log;
  }

  connected(client: FrameServerClient<S>): void {
    const state = this.#options.newState();
    client.context = state;
    if (this.#policy.admitAnonymous(client.remoteAddress).ok) {
      state.admitted = true;
      this.#options.admitted(client, undefined);
      return;
    }
    // nothing streams to it until its HELLO is accepted
    state.helloTimer = setTimeout(() => {
      state.helloTimer = undefined;
      if (state.admitted || !client.open) return;
      const verdict = this.#policy.admitAnonymous(client.remoteAddress);
      this.#refuse(client, verdict.ok ? { ok: false, code: ErrorCode.AUTH_REQUIRED, message: 'no HELLO' } : verdict, '');
    }, HELLO_WAIT_MS);
  }

  disconnected(client: FrameServerClient<S>): void {
    if (client.context?.helloTimer !== undefined) clearTimeout(client.context.helloTimer);
    this.#options.removed(client);
  }

  /** The client said HELLO: admitted (answered, in the kind it asked for) or refused (closed). */
  hello(client: FrameServerClient<S>, hello: Hello): void {
    const verdict = this.#policy.admit(hello, client.remoteAddress);
    if (verdict instanceof Promise) {
      verdict.then(
        (settled) => this.#admitted(client, hello, settled),
        (error: unknown) => this.#log.error('session admission failed', { client: client.id, error: describeError(error) }),
      );
    } else {
      this.#admitted(client, hello, verdict);
    }
  }

  #admitted(client: FrameServerClient<S>, hello: Hello, verdict: Admission): void {
    const state = client.context;
    if (!client.open || state === undefined) return;
    if (!verdict.ok) {
      this.#refuse(client, verdict, hello.clientName);
      return;
    }
    if (state.helloTimer !== undefined) clearTimeout(state.helloTimer);
    state.helloTimer = undefined;
    state.admitted = true;
    // a client that trades on the tick itself is written each tick before the others (set
    // before the answer is queued: from then on its flushes go first; frames it already
    // had queued this turn still go in their place)
    client.servedFirst = hello.priority === true;
    // the answer in JSON: the client switches to binary only once it has it
    const answer: Hello = { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'gateway', binary: hello.binary };
    client.send(this.#options.jsonFrame(answer));
    const mode: PayloadMode = hello.binary ? 'binary' : 'json';
    client.mode = mode;
    const name = hello.clientName;
    const priority = client.servedFirst ? { priority: true } : {};
    this.#log.info('hello', { client: client.id, remote: client.remote, name: name === '' ? undefined : name, identity: verdict.identity, mode, ...priority });
    this.#options.admitted(client, hello);
  }

  #refuse(client: FrameServerClient<S>, verdict: Admission & { ok: false }, name: string): void {
    this.#options.removed(client);
    if (client.context !== undefined) client.context.admitted = false;
    this.#log.warn('session refused: closing client', { client: client.id, remote: client.remote, name, code: verdict.code });
    client.close(new TradingError(verdict.code, verdict.message));
  }
}
