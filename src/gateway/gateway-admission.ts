/**
 * Who gets the gateway's stream, and in which kind. Every client starts in the seed's JSON
 * and needs to send nothing: a client the SessionPolicy takes anonymously (from loopback
 * unless --no-anonymous) streams at once. A client that sends HELLO is checked by the
 * policy (a claimed identity needs its secret: E_AUTH_FAILED otherwise, and the connection
 * is closed), answered with our HELLO in JSON, and gets binary from then on if it asked
 * (HELLO {binary: false} switches it back). A client the policy does not take anonymously
 * gets nothing until its HELLO is accepted, and is closed with E_AUTH_REQUIRED if none
 * comes within HELLO_WAIT_MS.
 *
 * The gateway streams to two lists, one per payload kind; they are its own, kept in step here.
 */
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { FrameServerClient, PayloadMode } from '../net/frame-server-client.js';
import { MessageType, PROTOCOL_VERSION, type Hello } from '../protocol/messages.js';
import type { Admission, SessionPolicy } from '../session/session-policy.js';
import { remove } from './client-lists.js';

/** A client the policy does not take anonymously is closed if it has not said HELLO by then. */
const HELLO_WAIT_MS = 5_000;

export interface ClientState {
  /** The last send to it was conflated (an episode is under way). */
  conflating: boolean;
  /** Gets the stream: taken anonymously, or its HELLO was accepted. */
  admitted: boolean;
  /** Closes a client that has not been admitted in time. */
  helloTimer: NodeJS.Timeout | undefined;
}

export type GatewayClient = FrameServerClient<ClientState>;

export interface GatewayAdmissionOptions {
  policy: SessionPolicy;
  /** The gateway's stream lists, per payload kind. */
  jsonClients: GatewayClient[];
  binaryClients: GatewayClient[];
  /** Our HELLO answer as a JSON frame, header included. */
  jsonFrame: (hello: Hello) => Uint8Array;
  log: Logger;
}

export class GatewayAdmission {
  readonly #options: GatewayAdmissionOptions;
  readonly #policy: SessionPolicy;
  readonly #log: Logger;

  constructor(options: GatewayAdmissionOptions) {
    this.#options = options;
    this.#policy = options.policy;
    this.#log = options.log;
  }

  connected(client: GatewayClient): void {
    const state: ClientState = { conflating: false, admitted: false, helloTimer: undefined };
    client.context = state;
    if (this.#policy.admitAnonymous(client.remoteAddress).ok) {
      state.admitted = true;
      this.#options.jsonClients.push(client);
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

  disconnected(client: GatewayClient): void {
    if (client.context?.helloTimer !== undefined) clearTimeout(client.context.helloTimer);
    this.#unlist(client);
  }

  /** The client said HELLO: admitted (answered, in the kind it asked for) or refused (closed). */
  hello(client: GatewayClient, hello: Hello): void {
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

  #admitted(client: GatewayClient, hello: Hello, verdict: Admission): void {
    const state = client.context;
    if (!client.open || state === undefined) return;
    if (!verdict.ok) {
      this.#refuse(client, verdict, hello.clientName);
      return;
    }
    if (state.helloTimer !== undefined) clearTimeout(state.helloTimer);
    state.helloTimer = undefined;
    state.admitted = true;
    // the answer in JSON: the client switches to binary only once it has it
    const answer: Hello = { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'gateway', binary: hello.binary };
    client.send(this.#options.jsonFrame(answer));
    const mode: PayloadMode = hello.binary ? 'binary' : 'json';
    client.mode = mode;
    this.#unlist(client);
    (mode === 'binary' ? this.#options.binaryClients : this.#options.jsonClients).push(client);
    const name = hello.clientName;
    this.#log.info('hello', { client: client.id, remote: client.remote, name: name === '' ? undefined : name, identity: verdict.identity, mode });
  }

  #refuse(client: GatewayClient, verdict: Admission & { ok: false }, name: string): void {
    this.#unlist(client);
    if (client.context !== undefined) client.context.admitted = false;
    this.#log.warn('session refused: closing client', { client: client.id, remote: client.remote, name, code: verdict.code });
    client.close(new TradingError(verdict.code, verdict.message));
  }

  #unlist(client: GatewayClient): void {
    remove(this.#options.jsonClients, client);
    remove(this.#options.binaryClients, client);
  }
}
