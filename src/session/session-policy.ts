/**
 * Who a server lets in, decided once per connection: the server half of the session layer.
 *
 * - A client that says HELLO with `auth_token` claims the identity in `client_name` and must
 *   prove it against the credentials (credentials.ts); a claim the server cannot check, a
 *   missing or a wrong secret is E_AUTH_FAILED.
 * - A HELLO without a token that names an identity listed in the credentials is a claim
 *   without proof: E_AUTH_FAILED too.
 * - Anything else (no HELLO at all, as the seed's clients; or a HELLO naming no listed
 *   identity and no token) is anonymous: an identity of its own, private to its connection.
 *   Anonymous clients are let in when `anonymous` is on (the default) and the client comes
 *   from loopback, or the server runs `--insecure`; otherwise E_AUTH_REQUIRED.
 *
 * A server bound to anything but loopback refuses to start without credentials unless
 * `--insecure` (E_INSECURE_BIND), and takes no anonymous client unless `--insecure`.
 *
 * Secret checks are bounded (verification-gate.ts): one at a time by default, a few more
 * waiting, and a HELLO past that is E_AUTH_BUSY, so that a flood of HELLOs cannot take
 * the threadpool from the trade log's syncs.
 */
import { isIP } from 'node:net';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { Hello } from '../protocol/messages.js';
import type { CredentialStore } from './credentials.js';
import { VerificationGate } from './verification-gate.js';

export interface SessionPolicyOptions {
  /** Credentials, or undefined: no identity can be proven, every client is anonymous. */
  credentials?: CredentialStore | undefined;
  /** Let anonymous clients in (from loopback, or from anywhere with `insecure`). Default true. */
  anonymous?: boolean;
  /** Allow a bind beyond loopback without credentials, and anonymous clients from anywhere. */
  insecure?: boolean;
  /** Secret checks at once (default 1) and waiting beyond them (default 32) before E_AUTH_BUSY. */
  verifyConcurrency?: number;
  verifyWaiting?: number;
}

export type Admission =
  | { readonly ok: true; readonly identity: string | undefined }
  | { readonly ok: false; readonly code: typeof ErrorCode.AUTH_FAILED | typeof ErrorCode.AUTH_REQUIRED | typeof ErrorCode.AUTH_BUSY; readonly message: string };

export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost' || address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export class SessionPolicy {
  readonly credentials: CredentialStore | undefined;
  readonly anonymous: boolean;
  readonly insecure: boolean;
  readonly verifications: VerificationGate;

  constructor(options: SessionPolicyOptions = {}) {
    this.credentials = options.credentials;
    this.anonymous = options.anonymous ?? true;
    this.insecure = options.insecure ?? false;
    this.verifications = new VerificationGate(options.verifyConcurrency, options.verifyWaiting);
  }

  /** Throws E_INSECURE_BIND for a bind beyond loopback without credentials (unless insecure). */
  checkBind(host: string, component: string): void {
    if (isLoopbackAddress(host) || this.insecure || this.credentials !== undefined) return;
    throw new TradingError(
      ErrorCode.INSECURE_BIND,
      `${component}: refusing to listen on ${host} without credentials: give --auth-file (and --tls-cert/--tls-key), or --insecure to accept anyone who can reach it`,
    );
  }

  /** Whether a client with no proven identity may stay (a seed client, or an anonymous HELLO). */
  admitAnonymous(remoteAddress: string): Admission {
    if (!this.anonymous) {
      return { ok: false, code: ErrorCode.AUTH_REQUIRED, message: 'this server takes only authenticated clients: say HELLO with client_name and auth_token' };
    }
    if (!this.insecure && !isLoopbackAddress(remoteAddress)) {
      return { ok: false, code: ErrorCode.AUTH_REQUIRED, message: 'anonymous clients are taken only from loopback: say HELLO with client_name and auth_token' };
    }
    return { ok: true, identity: undefined };
  }

  /**
   * The verdict on a HELLO. A secret is checked on the threadpool (a Promise); a HELLO
   * without one is judged at once, so a client that sends orders right behind such a
   * HELLO (as the seed-era clients and the benchmarks do) loses none. Never throws.
   */
  admit(hello: Readonly<Hello>, remoteAddress: string): Admission | Promise<Admission> {
    const token = hello.authToken ?? '';
    const name = hello.clientName;
    const credentials = this.credentials;
    if (token !== '') {
      if (credentials === undefined) {
        return { ok: false, code: ErrorCode.AUTH_FAILED, message: `identity ${JSON.stringify(name)}: this server has no credentials to check a token against` };
      }
      if (name === '') return { ok: false, code: ErrorCode.AUTH_FAILED, message: 'a token without an identity: say which client_name it proves' };
      const check = this.verifications.run(() => credentials.verify(name, token));
      if (check === undefined) {
        return { ok: false, code: ErrorCode.AUTH_BUSY, message: `too many HELLOs being checked (${this.verifications.concurrency} at once, ${this.verifications.waitingLimit} waiting): try again shortly` };
      }
      return check.then(
        (proven): Admission =>
          proven ? { ok: true, identity: name } : { ok: false, code: ErrorCode.AUTH_FAILED, message: `identity ${JSON.stringify(name)}: wrong secret (or no such identity)` },
      );
    }
    if (credentials?.has(name) === true) {
      return { ok: false, code: ErrorCode.AUTH_FAILED, message: `identity ${JSON.stringify(name)} needs its secret: no auth_token given` };
    }
    return this.admitAnonymous(remoteAddress);
  }
}
