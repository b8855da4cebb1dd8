/**
 * The session layer's command-line options, shared by every server (gateway, order manager)
 * and every client (orderbook, strategy), and their conversion into what the net and
 * session code take. Same flag, same environment variable, same meaning everywhere.
 */
import type { ConfigOf, Schema } from '../config/schema.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { loadClientTls, loadServerTls, type TlsMaterial } from '../net/tls-options.js';
import { CredentialStore, MAX_SECRET_LENGTH, readSecretFile } from './credentials.js';
import { SessionPolicy } from './session-policy.js';

export const DEFAULT_HELLO_TIMEOUT_MS = 500;

export const sessionServerFields = {
  authFile: {
    kind: 'optional-string',
    env: 'TRADING_AUTH_FILE',
    description: 'credentials: one identity per line with its salted scrypt hash (trading auth --add NAME writes one)',
  },
  noAnonymous: { kind: 'boolean', default: false, description: 'refuse clients that prove no identity (the seed\'s clients)' },
  insecure: { kind: 'boolean', default: false, description: 'allow a bind beyond loopback without credentials, and anonymous clients from anywhere' },
  tlsCert: { kind: 'optional-string', description: 'serve TLS with this certificate (PEM)' },
  tlsKey: { kind: 'optional-string', description: 'the private key of --tls-cert (PEM)' },
  tlsCa: { kind: 'optional-string', description: 'require client certificates signed by this CA (PEM)' },
} satisfies Schema;

export const sessionClientFields = {
  authToken: { kind: 'optional-string', env: 'TRADING_AUTH_TOKEN', description: 'the secret proving our identity to the servers (prefer the environment or --auth-token-file)' },
  authTokenFile: { kind: 'optional-string', description: 'read the secret from this file (first line)' },
  tlsCa: { kind: 'optional-string', description: 'connect over TLS, trusting servers whose certificate this CA signed (PEM)' },
  tlsCert: { kind: 'optional-string', description: 'our client certificate, for servers that ask for one (PEM)' },
  tlsKey: { kind: 'optional-string', description: 'the private key of --tls-cert (PEM)' },
  helloTimeoutMs: {
    kind: 'integer',
    default: DEFAULT_HELLO_TIMEOUT_MS,
    min: 1,
    max: 60_000,
    description: 'a server that has not answered our HELLO by then speaks only JSON (the seed\'s): we do too, on that connection',
  },
} satisfies Schema;

export type SessionServerConfig = ConfigOf<typeof sessionServerFields>;
export type SessionClientConfig = ConfigOf<typeof sessionClientFields>;

export interface ServerSessionSettings {
  policy: SessionPolicy;
  tls: TlsMaterial | undefined;
}

export interface ClientSessionSettings {
  /** The secret, or undefined: we claim no identity we cannot prove. */
  token: string | undefined;
  tls: TlsMaterial | undefined;
  helloTimeoutMs: number;
}

/** Credentials, policy and TLS of a server; throws E_AUTH_FILE_INVALID / E_TLS_FAILED. */
export function serverSessionSettings(config: SessionServerConfig): ServerSessionSettings {
  const credentials = config.authFile === undefined || config.authFile === '' ? undefined : CredentialStore.fromFile(config.authFile);
  return {
    policy: new SessionPolicy({ credentials, anonymous: !config.noAnonymous, insecure: config.insecure }),
    tls: loadServerTls({ cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa }),
  };
}

/** A client's secret and TLS; throws E_CONFIG_INVALID / E_AUTH_FILE_INVALID / E_TLS_FAILED. */
export function clientSessionSettings(config: SessionClientConfig): ClientSessionSettings {
  if (config.authToken !== undefined && config.authToken !== '' && config.authTokenFile !== undefined) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, 'invalid configuration:\n  give the secret once: --auth-token (or TRADING_AUTH_TOKEN) or --auth-token-file');
  }
  let token = config.authToken === '' ? undefined : config.authToken;
  if (config.authTokenFile !== undefined) token = readSecretFile(config.authTokenFile);
  if (token !== undefined && token.length > MAX_SECRET_LENGTH) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `invalid configuration:\n  the secret is longer than ${MAX_SECRET_LENGTH} characters`);
  }
  return { token, tls: loadClientTls({ cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa }), helloTimeoutMs: config.helloTimeoutMs };
}
