/**
 * The bus options every command shares (`--bus nats://HOST:PORT[,…]` and the credentials
 * and TLS files for the NATS server), as schema fields, and their validation into
 * BusOptions. No `--bus`: the component keeps the direct TCP path and needs no server.
 *
 * Secrets: the password is best given as TRADING_BUS_PASSWORD (a flag shows in `ps`); an
 * nkey seed is read from a file (--bus-nkey-seed-file), never from a flag. Neither is
 * ever logged (describeBus says which kind of credentials, not what they are).
 */
import type { OptionalStringField, Schema, StringField } from '../config/schema.js';
import { DEFAULT_EXECUTIONS_STREAM } from './subjects.js';
import { ErrorCode, TradingError } from '../core/errors.js';

export interface BusTlsOptions {
  /** CA bundle that signed the server's certificate (PEM file). */
  caFile?: string;
  /** Client certificate and key (PEM files), when the server asks for one. */
  certFile?: string;
  keyFile?: string;
}

export interface BusOptions {
  /** Server URLs, e.g. ['nats://192.0.2.1:4222']; the client fails over between them. */
  servers: string[];
  user?: string;
  password?: string;
  /** File holding an nkey user seed (SU...). */
  nkeySeedFile?: string;
  tls?: BusTlsOptions;
  /** Connection name the server shows (the component's name). */
  name: string;
}

const field = (description: string, env?: string): OptionalStringField => ({ kind: 'optional-string', description, ...(env === undefined ? {} : { env }) });

/** The JetStream stream of durable fills: the order manager mirrors into it, the drop copy reads it. */
export function busStreamField(description: string): StringField {
  return {
    kind: 'string',
    default: DEFAULT_EXECUTIONS_STREAM,
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    patternHint: 'a JetStream stream name (letters, digits, _ and -)',
    description,
  };
}

/** Schema fields of the bus; spread into a command's schema. */
export const busFields = {
  bus: field('NATS servers, nats://HOST:PORT[,…] (or tls://…): market data, news and executions over the bus (default: direct TCP, no server)'),
  busUser: field('NATS user name'),
  busPassword: field('NATS password (prefer the environment variable: a flag shows in ps)'),
  busNkeySeedFile: field('file holding the NATS nkey user seed (SU…); the seed never goes on the command line'),
  busTlsCa: field('PEM file of the CA that signed the NATS server certificate (TLS on)'),
  busTlsCert: field('PEM client certificate for the NATS server (with --bus-tls-key)'),
  busTlsKey: field('PEM key of the client certificate'),
} as const satisfies Schema;

export type BusFieldValues = { [K in keyof typeof busFields]: string | undefined };

const SERVER_PATTERN = /^(?:(?:nats|tls):\/\/)?(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** The bus options, or undefined when --bus is not given; throws E_CONFIG_INVALID listing every problem. */
export function parseBusOptions(values: BusFieldValues, name: string): BusOptions | undefined {
  const problems: string[] = [];
  const servers = (values.bus ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (values.bus === undefined || servers.length === 0) {
    const stray = (Object.keys(busFields) as (keyof BusFieldValues)[]).filter((key) => key !== 'bus' && values[key] !== undefined);
    if (stray.length > 0) problems.push(`${stray.map((key) => `--${kebab(key)}`).join(', ')} given without --bus`);
    if (problems.length > 0) throw invalid(problems);
    return undefined;
  }
  for (const server of servers) {
    const port = Number(/:(\d+)$/.exec(server)?.[1] ?? 'NaN');
    if (!SERVER_PATTERN.test(server) || port > 65535) problems.push(`--bus: "${server}" is not nats://HOST:PORT`);
  }
  if (values.busPassword !== undefined && values.busUser === undefined) problems.push('--bus-password: needs --bus-user');
  if (values.busUser !== undefined && values.busPassword === undefined) problems.push('--bus-user: needs a password (TRADING_BUS_PASSWORD)');
  if (values.busNkeySeedFile !== undefined && values.busUser !== undefined) problems.push('--bus-nkey-seed-file: give either an nkey or a user and password, not both');
  if ((values.busTlsCert === undefined) !== (values.busTlsKey === undefined)) problems.push('--bus-tls-cert and --bus-tls-key: give both or neither');
  if (problems.length > 0) throw invalid(problems);
  const tlsWanted = values.busTlsCa !== undefined || values.busTlsCert !== undefined || servers.some((s) => s.startsWith('tls://'));
  const tls: BusTlsOptions = {};
  if (values.busTlsCa !== undefined) tls.caFile = values.busTlsCa;
  if (values.busTlsCert !== undefined) tls.certFile = values.busTlsCert;
  if (values.busTlsKey !== undefined) tls.keyFile = values.busTlsKey;
  return {
    servers,
    name,
    ...(values.busUser === undefined ? {} : { user: values.busUser }),
    ...(values.busPassword === undefined ? {} : { password: values.busPassword }),
    ...(values.busNkeySeedFile === undefined ? {} : { nkeySeedFile: values.busNkeySeedFile }),
    ...(tlsWanted ? { tls } : {}),
  };
}

/** Log fields saying where the bus is and how we prove who we are, without any secret. */
export function describeBus(options: BusOptions): Record<string, string> {
  const auth = options.nkeySeedFile !== undefined ? 'nkey' : options.user !== undefined ? `user:${options.user}` : 'none';
  return { bus: options.servers.join(','), busAuth: auth, busTls: options.tls === undefined ? 'off' : 'on' };
}

/** The bus flags that make `options` again, for a supervisor passing them to its children (the password goes by environment). */
export function busArgs(options: BusOptions | undefined): string[] {
  if (options === undefined) return [];
  const args = ['--bus', options.servers.join(',')];
  if (options.user !== undefined) args.push('--bus-user', options.user);
  if (options.nkeySeedFile !== undefined) args.push('--bus-nkey-seed-file', options.nkeySeedFile);
  if (options.tls?.caFile !== undefined) args.push('--bus-tls-ca', options.tls.caFile);
  if (options.tls?.certFile !== undefined) args.push('--bus-tls-cert', options.tls.certFile);
  if (options.tls?.keyFile !== undefined) args.push('--bus-tls-key', options.tls.keyFile);
  return args;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function invalid(problems: string[]): TradingError {
  return new TradingError(ErrorCode.CONFIG_INVALID, `invalid configuration:\n  ${problems.join('\n  ')}`);
}

/** parseBusOptions for a command's `settle`: its problems join the others' (one error for all). */
export function settleBusOptions(values: BusFieldValues, name: string, problems: string[]): BusOptions | undefined {
  try {
    return parseBusOptions(values, name);
  } catch (err) {
    if (!(err instanceof TradingError)) throw err;
    problems.push(...err.message.split('\n').slice(1).map((line) => line.trim()));
    return undefined;
  }
}
