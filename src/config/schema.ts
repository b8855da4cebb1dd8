/**
 * Configuration, validated once at start: defaults ← config file (JSON) ← environment
 * (TRADING_*) ← command-line flags. Every bad field is reported at once, unknown keys and
 * flags are refused, and the result is a plain typed object. Each process's command and
 * the supervisor describe their options with the same field kinds, so `--port 0`,
 * `TRADING_PORT=0` and `{"port": 0}` mean the same everywhere.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ErrorCode, TradingError } from '../core/errors.js';

interface FieldBase {
  description: string;
  /** Environment variable; default TRADING_<CONSTANT_CASE of the key>. */
  env?: string;
}

/**
 * A field without a `default` is required: no value from any source is a problem
 * ("--shm: required"). `required(field)` makes one from a field with a default.
 */
export interface StringField extends FieldBase {
  kind: 'string';
  default?: string;
  /** Allowed values, if a closed set; the config's type is then their union. */
  choices?: readonly string[];
  pattern?: RegExp;
  patternHint?: string;
}
export interface OptionalStringField extends FieldBase {
  kind: 'optional-string';
}
export interface NumberField extends FieldBase {
  kind: 'number' | 'integer';
  default?: number;
  min?: number;
  /** min itself is refused: the value must be greater. */
  exclusiveMin?: boolean;
  max?: number;
  /** Neither defaulted nor required: undefined when not given (the user of the value decides). */
  optional?: boolean;
}
export interface BooleanField extends FieldBase {
  kind: 'boolean';
  default: boolean;
}
export interface ListField extends FieldBase {
  kind: 'list';
  default: readonly string[];
  itemPattern?: RegExp;
  itemHint?: string;
}

export type Field = StringField | OptionalStringField | NumberField | BooleanField | ListField;
export type Schema = Record<string, Field>;

type ValueOf<F extends Field> = F extends { kind: 'string'; choices: readonly (infer C extends string)[] }
  ? C
  : F extends StringField
  ? string
  : F extends OptionalStringField
    ? string | undefined
    : F extends NumberField & { optional: true }
      ? number | undefined
      : F extends NumberField
      ? number
      : F extends BooleanField
        ? boolean
        : string[];

export type ConfigOf<S extends Schema> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export interface LoadOptions {
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Name of the flag that names a JSON config file (default "config"; '' = none). */
  configFlag?: string;
  /** Positional arguments allowed (default none). */
  allowPositionals?: boolean;
}

export interface Loaded<S extends Schema> {
  config: ConfigOf<S>;
  positionals: string[];
  help: boolean;
}

export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function envName(key: string, field: Field): string {
  return field.env ?? `TRADING_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Convert a raw value (string from env/flags, or JSON value from a file) for a field. */
function convert(field: Field, raw: unknown, where: string, problems: string[]): unknown {
  switch (field.kind) {
    case 'string':
    case 'optional-string': {
      if (typeof raw !== 'string') return void problems.push(`${where}: expected a string, got ${JSON.stringify(raw)}`);
      if (field.kind === 'string') {
        if (field.choices !== undefined && !field.choices.includes(raw)) {
          return void problems.push(`${where}: must be one of ${field.choices.join(', ')}, got "${raw}"`);
        }
        if (field.pattern !== undefined && !field.pattern.test(raw)) {
          return void problems.push(`${where}: "${raw}" is not ${field.patternHint ?? `matching ${field.pattern}`}`);
        }
      }
      return raw;
    }
    case 'number':
    case 'integer': {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return void problems.push(`${where}: expected a number, got ${typeof raw === 'number' ? String(raw) : JSON.stringify(raw)}`);
      }
      if (field.kind === 'integer' && !Number.isInteger(value)) {
        return void problems.push(`${where}: expected an integer, got ${value}`);
      }
      if (field.min !== undefined && (field.exclusiveMin === true ? value <= field.min : value < field.min)) {
        return void problems.push(`${where}: must be ${field.exclusiveMin === true ? '>' : '≥'} ${field.min}, got ${value}`);
      }
      if (field.max !== undefined && value > field.max) return void problems.push(`${where}: must be ≤ ${field.max}, got ${value}`);
      return value;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return void problems.push(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'list': {
      const items = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s !== '') : raw;
      if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
        return void problems.push(`${where}: expected a list of strings, got ${JSON.stringify(raw)}`);
      }
      if (items.length === 0) return void problems.push(`${where}: must not be empty`);
      const pattern = field.itemPattern;
      const bad = pattern === undefined ? [] : items.filter((item) => !pattern.test(item));
      if (bad.length > 0) return void problems.push(`${where}: ${bad.map((b) => `"${b}"`).join(', ')} not ${field.itemHint ?? 'valid'}`);
      if (new Set(items).size !== items.length) return void problems.push(`${where}: has duplicates`);
      return items;
    }
  }
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`config file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${path}: must hold a JSON object`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    problems.push(`config file ${path}: invalid JSON (${(err as Error).message})`);
    return {};
  }
}

/**
 * `--duration -1` means the value -1 to a person, but parseArgs reads `-1` as a flag and
 * refuses the pair as ambiguous. A negative number after a flag that takes a value is
 * joined to it (`--duration=-1`) so that it is validated, and reported, like any value.
 */
function joinNegativeNumbers(argv: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (arg.startsWith('--') && valueFlags.has(arg.slice(2)) && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

type FlagOption = { type: 'string' | 'boolean'; short?: string };
type ArgToken = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * What is wrong with the command line itself, all of it at once: unknown flags, a flag
 * that needs a value without one, a switch given a value, stray arguments. (parseArgs'
 * strict mode stops at the first.)
 */
function flagProblems(tokens: readonly ArgToken[], flagOptions: Record<string, FlagOption>, allowPositionals: boolean): string[] {
  const problems: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (!allowPositionals) problems.push(`unexpected argument '${token.value}'`);
      continue;
    }
    if (token.kind !== 'option') continue;
    const option = flagOptions[token.name];
    if (option === undefined) {
      problems.push(`Unknown option '${token.rawName}'`);
    } else if (option.type === 'string' && token.value === undefined) {
      problems.push(`${token.rawName}: needs a value`);
    } else if (option.type === 'string' && !token.inlineValue && token.value?.startsWith('-') === true) {
      problems.push(`${token.rawName}: needs a value, not the flag '${token.value}' (argument is ambiguous)`);
    } else if (option.type === 'boolean' && token.inlineValue === true) {
      problems.push(`${token.rawName}: is a switch and takes no value, got '${token.value ?? ''}'`);
    }
  }
  return problems;
}

/**
 * The one format of a configuration error, wherever options come from (flags, a config
 * file, options given in code): `invalid <what>:` then every problem on its own line.
 */
export function configError(problems: readonly string[], what = 'configuration'): TradingError {
  return new TradingError(ErrorCode.CONFIG_INVALID, `invalid ${what}:\n  ${problems.join('\n  ')}`);
}

/** Load and validate; throws TradingError E_CONFIG_INVALID listing every problem. */
export function loadConfig<S extends Schema>(schema: S, options: LoadOptions): Loaded<S> {
  const env = options.env ?? process.env;
  const configFlag = options.configFlag ?? 'config';
  const flagOptions: Record<string, FlagOption> = { help: { type: 'boolean', short: 'h' } };
  for (const [key, field] of Object.entries(schema)) {
    flagOptions[kebabCase(key)] = { type: field.kind === 'boolean' ? 'boolean' : 'string' };
  }
  if (configFlag !== '') flagOptions[configFlag] = { type: 'string' };

  const valueFlags = new Set(Object.keys(flagOptions).filter((flag) => flagOptions[flag]?.type === 'string'));
  const parsed = parseArgs({
    args: joinNegativeNumbers(options.argv, valueFlags),
    options: flagOptions,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags = parsed.values;
  const problems = flagProblems(parsed.tokens, flagOptions, options.allowPositionals ?? false);
  const configFile = configFlag === '' ? undefined : flags[configFlag];
  const file = typeof configFile === 'string' ? readConfigFile(configFile, problems) : {};
  for (const key of Object.keys(file)) {
    if (!(key in schema)) problems.push(`config file: unknown key "${key}" (known: ${Object.keys(schema).join(', ')})`);
  }

  const config: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const given = flags[kebabCase(key)];
    // a flag misused (a value without its switch, a switch without its value) is already a problem
    const flag = typeof given === (field.kind === 'boolean' ? 'boolean' : 'string') ? given : undefined;
    const envValue = env[envName(key, field)];
    let value: unknown = defaultOf(field);
    if (key in file) value = convert(field, file[key], `config file "${key}"`, problems);
    if (envValue !== undefined && envValue !== '') value = convert(field, envValue, envName(key, field), problems);
    if (flag !== undefined) value = convert(field, flag, `--${kebabCase(key)}`, problems);
    else if (!(key in file) && (envValue === undefined || envValue === '') && isRequired(field)) {
      problems.push(`--${kebabCase(key)}: required (${field.description})`);
    }
    config[key] = value;
  }
  if (problems.length > 0) throw configError(problems);
  return { config: config as ConfigOf<S>, positionals: parsed.positionals, help: flags['help'] === true };
}

/** A field without a default must be given. */
function isRequired(field: Field): boolean {
  if (field.kind === 'number' || field.kind === 'integer') return field.default === undefined && field.optional !== true;
  return field.kind === 'string' && field.default === undefined;
}

/** The field's default, a fresh copy for lists. */
function defaultOf(field: Field): unknown {
  if (field.kind === 'optional-string') return undefined;
  return Array.isArray(field.default) ? [...(field.default as readonly string[])] : field.default;
}

/** The same field, required: its default dropped. */
export function required<F extends StringField | NumberField>(field: F, description = field.description): Omit<F, 'default'> {
  const { default: _dropped, ...rest } = field;
  return { ...rest, description };
}

/**
 * Validate a plain object (a section of a config file, options given in code) against a
 * schema with the same field rules as flags, so that a concept has one validator wherever
 * its values come from: defaults filled in, unknown keys refused, required keys demanded,
 * every problem named by its key, all at once (E_CONFIG_INVALID).
 */
export function checkValues<S extends Schema>(schema: S, input: unknown, what: string): ConfigOf<S> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw configError([`${what}: must be an object, got ${JSON.stringify(input) ?? String(input)}`]);
  }
  const problems: string[] = [];
  const values = collectValues(schema, input as Record<string, unknown>, problems);
  if (problems.length > 0) throw configError(problems);
  return values;
}

/**
 * checkValues for a part of something larger (an entry of a list, options with rules across
 * fields): the problems are added to `problems`, each named `<prefix><key>`, and the caller
 * throws once it has checked the rest. A value with a problem is left undefined.
 */
export function collectValues<S extends Schema>(schema: S, given: Readonly<Record<string, unknown>>, problems: string[], prefix = ''): ConfigOf<S> {
  for (const key of Object.keys(given)) {
    if (!(key in schema)) problems.push(`${prefix}${key}: unknown setting (known: ${Object.keys(schema).join(', ')})`);
  }
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const raw = given[key];
    if (raw !== undefined) values[key] = convert(field, raw, `${prefix}${key}`, problems);
    else if (isRequired(field)) problems.push(`${prefix}${key}: required (${field.description})`);
    else values[key] = defaultOf(field);
  }
  return values as ConfigOf<S>;
}

/**
 * The command line that gives a command these values, built from that command's own
 * schema: a key it does not have is a compile error, and a value left out takes that
 * command's default, so a caller (the supervisor) never carries a second copy of it.
 */
export function toArgs<S extends Schema>(schema: S, values: { [K in keyof S]?: ValueOf<S[K]> | undefined }): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    const field = schema[key];
    if (field === undefined || value === undefined) continue;
    if (field.kind === 'boolean') {
      // a switch only says true; false is expressible only as its default
      if (value === true) args.push(`--${kebabCase(key)}`);
      else if (field.default) throw new TradingError(ErrorCode.CONFIG_INVALID, `--${kebabCase(key)}: a switch cannot be turned off from the command line`);
      continue;
    }
    args.push(`--${kebabCase(key)}=${Array.isArray(value) ? value.join(',') : String(value)}`);
  }
  return args;
}

/** Whether the command line asks for help (-h or --help, before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  return options.includes('-h') || options.includes('--help');
}

/** `--help` text generated from the schema. */
export function describeSchema(command: string, schema: Schema, configFlag = 'config'): string {
  const lines = [`usage: trading ${command} [options]`, '', 'options (flag | environment | default):'];
  for (const [key, field] of Object.entries(schema)) {
    const fallback = defaultOf(field);
    const value = isRequired(field) ? '(required)' : fallback === undefined ? '(none)' : Array.isArray(fallback) ? fallback.join(',') : String(fallback);
    lines.push(`  --${kebabCase(key).padEnd(22)} ${field.description}`);
    lines.push(`  ${''.padEnd(24)} ${envName(key, field)} | default: ${value}`);
  }
  if (configFlag !== '') lines.push(`  --${configFlag.padEnd(22)} a JSON file with any of the keys above`);
  return lines.join('\n');
}

/** "host:port" → parts, for --gateway style flags. */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = match === null ? Number.NaN : Number(match[3]);
  if (match === null || port > 65535) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `${what}: expected HOST:PORT (e.g. 127.0.0.1:5555), got "${text}"`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Field kinds reused by every command. */
export const commonFields = {
  host: (defaultHost = '127.0.0.1'): StringField => ({ kind: 'string', default: defaultHost, description: 'address to bind' }),
  port: (defaultPort: number, description = 'TCP port (0 = any free port)'): NumberField => ({
    kind: 'integer',
    default: defaultPort,
    min: 0,
    max: 65535,
    description,
  }),
  shm: (defaultName = '/ipc-trading-book'): StringField => ({
    kind: 'string',
    default: defaultName,
    pattern: /^\/[A-Za-z0-9._-]{1,200}$/,
    patternHint: 'a shared-memory name like /ipc-trading-book',
    description: 'shared-memory segment name',
  }),
  endpoint: (defaultEndpoint: string, description: string): StringField => ({
    kind: 'string',
    default: defaultEndpoint,
    pattern: /^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/,
    patternHint: 'HOST:PORT',
    description,
  }),
  /**
   * Gateway, strategy and order manager take the same field: each keeps its own side of the
   * tick-to-trade path warm (net/heartbeat.ts, strategy/order-path-warmer.ts).
   */
  keepWarmMs: (): NumberField => ({
    kind: 'integer',
    default: 0,
    min: 0,
    max: 1_000,
    description:
      'while idle, a heartbeat on the tick-to-trade connections every this many ms (and the strategy runs its order path dry) so that a tick after a quiet spell finds code and caches warm: lower tick-to-trade on sparse feeds for a few % of a core per process (0 = off)',
  }),
} as const;
