/**
 * Credentials that `trading run` makes for its own children, per run: a fresh random secret
 * for each client identity (strategy, orderbook), their salted hashes in an auth file the
 * servers read (a private directory, mode 0700, the file 0600), the secrets handed to the
 * clients in their environment (TRADING_AUTH_TOKEN), never on a command line or in a log.
 * `npm start` needs nothing from the user, and since the servers still take anonymous
 * clients on loopback, a seed client trades against the run as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecret, hashSecret } from './credentials.js';
import { ErrorCode, TradingError } from '../core/errors.js';

export class RunCredentials {
  readonly #secrets: ReadonlyMap<string, string>;
  #directory: string | undefined;
  #authFile: string | undefined;

  constructor(identities: readonly string[]) {
    this.#secrets = new Map(identities.map((identity) => [identity, generateSecret()]));
  }

  /** The secret of an identity (for its environment). */
  secret(identity: string): string {
    const secret = this.#secrets.get(identity);
    if (secret === undefined) throw new TradingError(ErrorCode.INTERNAL, `no run credentials for ${identity}`);
    return secret;
  }

  /** The auth file, once written. */
  get authFile(): string {
    if (this.#authFile === undefined) throw new TradingError(ErrorCode.INTERNAL, 'run credentials not written yet');
    return this.#authFile;
  }

  /** Hash every secret into a new private auth file; returns its path. */
  async write(): Promise<string> {
    const lines = ['# made by trading run for this run only; removed when it ends'];
    for (const [identity, secret] of this.#secrets) lines.push(await hashSecret(identity, secret));
    this.#directory = mkdtempSync(join(tmpdir(), 'ipc-trading-run-'));
    this.#authFile = join(this.#directory, 'auth');
    writeFileSync(this.#authFile, lines.join('\n') + '\n', { mode: 0o600 });
    return this.#authFile;
  }

  /** Remove the file and its directory (idempotent). */
  remove(): void {
    if (this.#directory !== undefined) rmSync(this.#directory, { recursive: true, force: true });
    this.#directory = undefined;
  }
}
