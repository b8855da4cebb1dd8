/**
 * Credentials: who may claim which identity. A server reads them from an auth file
 * (--auth-file, TRADING_AUTH_FILE); a client presents its secret (--auth-token,
 * TRADING_AUTH_TOKEN, or --auth-token-file).
 *
 * The auth file holds one identity per line, the secret never in clear:
 *
 *   # identity:scheme:cost:blockSize:parallelization:salt(base64url):hash(base64url)
 *   strategy:scrypt:16384:8:1:3q2-7w...:Zm9v...
 *
 * Blank lines and lines starting with `#` are ignored. `trading auth --add NAME` appends a
 * line for a fresh random secret and prints the secret once.
 *
 * Verification runs scrypt (node:crypto) on the threadpool, never on the event loop, and
 * compares the derived key with `timingSafeEqual`. An unknown identity is hashed against
 * a dummy entry so its answer takes as long as a wrong secret's. Secrets and hashes never
 * go to a log line or an error message.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, TradingError } from '../core/errors.js';

export const SCRYPT_COST = 16_384;
export const SCRYPT_BLOCK_SIZE = 8;
export const SCRYPT_PARALLELIZATION = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** A secret longer than this is refused before any hashing (a flood of huge secrets costs nothing). */
export const MAX_SECRET_LENGTH = 256;
/** Identities are what HELLO's client_name carries: printable, no separators. */
export const IDENTITY_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface Credential {
  readonly identity: string;
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function deriveKey(secret: string, credential: Omit<Credential, 'identity' | 'hash'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      secret,
      credential.salt,
      KEY_BYTES,
      { N: credential.cost, r: credential.blockSize, p: credential.parallelization, maxmem: 256 * credential.cost * credential.blockSize },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    );
  });
}

/** A fresh random secret: 32 bytes, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The auth-file line for `identity` holding `secret` (a new random salt each time). */
export async function hashSecret(identity: string, secret: string): Promise<string> {
  if (!IDENTITY_PATTERN.test(identity)) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `identity must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(identity)}`);
  }
  if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `a secret must be 1-${MAX_SECRET_LENGTH} characters`);
  }
  const salt = randomBytes(SALT_BYTES);
  const parameters = { cost: SCRYPT_COST, blockSize: SCRYPT_BLOCK_SIZE, parallelization: SCRYPT_PARALLELIZATION, salt };
  const hash = await deriveKey(secret, parameters);
  return [identity, 'scrypt', SCRYPT_COST, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELIZATION, salt.toString('base64url'), hash.toString('base64url')].join(':');
}

/** Parse auth-file text; `source` names it in errors. Throws E_AUTH_FILE_INVALID naming every bad line (never its content). */
export function parseCredentials(text: string, source: string): Map<string, Credential> {
  const credentials = new Map<string, Credential>();
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(':');
    const where = `line ${index + 1}`;
    if (parts.length !== 7 || parts[1] !== 'scrypt') {
      problems.push(`${where}: expected identity:scrypt:cost:blockSize:parallelization:salt:hash`);
      continue;
    }
    const [identity = '', , costText = '', blockText = '', parallelText = '', saltText = '', hashText = ''] = parts;
    const cost = Number(costText);
    const blockSize = Number(blockText);
    const parallelization = Number(parallelText);
    const salt = Buffer.from(saltText, 'base64url');
    const hash = Buffer.from(hashText, 'base64url');
    if (!IDENTITY_PATTERN.test(identity)) problems.push(`${where}: the identity is not 1-64 characters of A-Z a-z 0-9 . _ -`);
    else if (credentials.has(identity)) problems.push(`${where}: identity ${identity} is listed twice`);
    else if (!Number.isInteger(cost) || cost < 1024 || cost > 1_048_576 || (cost & (cost - 1)) !== 0) problems.push(`${where}: cost must be a power of two in 1024..1048576`);
    else if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 32) problems.push(`${where}: blockSize must be in 1..32`);
    else if (!Number.isInteger(parallelization) || parallelization < 1 || parallelization > 16) problems.push(`${where}: parallelization must be in 1..16`);
    else if (salt.length < 8) problems.push(`${where}: the salt must be at least 8 bytes`);
    else if (hash.length !== KEY_BYTES) problems.push(`${where}: the hash must be ${KEY_BYTES} bytes`);
    else credentials.set(identity, { identity, cost, blockSize, parallelization, salt, hash });
  }
  if (problems.length > 0) throw new TradingError(ErrorCode.AUTH_FILE_INVALID, `auth file ${source}: ${problems.join('; ')}`);
  if (credentials.size === 0) throw new TradingError(ErrorCode.AUTH_FILE_INVALID, `auth file ${source}: holds no identity`);
  return credentials;
}

/** Read and parse an auth file. Throws E_AUTH_FILE_INVALID. */
export function loadCredentials(path: string): Map<string, Credential> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TradingError(ErrorCode.AUTH_FILE_INVALID, `auth file ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseCredentials(text, path);
}

/** Read a client's secret from a file (its first line, trimmed). Throws E_AUTH_FILE_INVALID. */
export function readSecretFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TradingError(ErrorCode.AUTH_FILE_INVALID, `auth token file ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const secret = (text.split('\n')[0] ?? '').trim();
  if (secret === '') throw new TradingError(ErrorCode.AUTH_FILE_INVALID, `auth token file ${path}: empty`);
  return secret;
}

/** Checks claimed identities against the credentials. */
export class CredentialStore {
  readonly #credentials: ReadonlyMap<string, Credential>;
  readonly #dummy: Credential;

  constructor(credentials: ReadonlyMap<string, Credential>) {
    this.#credentials = credentials;
    const first = credentials.values().next().value;
    // an unknown identity costs what a known one costs
    this.#dummy = {
      identity: '',
      cost: first?.cost ?? SCRYPT_COST,
      blockSize: first?.blockSize ?? SCRYPT_BLOCK_SIZE,
      parallelization: first?.parallelization ?? SCRYPT_PARALLELIZATION,
      salt: randomBytes(SALT_BYTES),
      hash: randomBytes(KEY_BYTES),
    };
  }

  static fromFile(path: string): CredentialStore {
    return new CredentialStore(loadCredentials(path));
  }

  get size(): number {
    return this.#credentials.size;
  }

  has(identity: string): boolean {
    return this.#credentials.has(identity);
  }

  /** Whether `secret` proves `identity`. Never throws for a bad claim: false. */
  async verify(identity: string, secret: string): Promise<boolean> {
    const known = this.#credentials.get(identity);
    const credential = known ?? this.#dummy;
    if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH) return false;
    let key: Buffer;
    try {
      key = await deriveKey(secret, credential);
    } catch {
      return false;
    }
    const equal = timingSafeEqual(key, credential.hash);
    return equal && known !== undefined;
  }
}
