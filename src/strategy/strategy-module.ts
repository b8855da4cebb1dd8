/**
 * A strategy from a file: `--strategy ./my-strategy.mjs [--strategy-config options.json]`.
 *
 * The file is an ES module (.js in an ESM package, or .mjs) that needs nothing from this
 * project: the context hands it books, price conversion, the enumerations and the clock
 * (StrategyContext). What it exports:
 *
 *   export const configSchema = {            // optional: the options it takes
 *     threshold: { kind: 'number', default: 0.5, min: 0, max: 1, description: '...' },
 *     quantity: { kind: 'integer', default: 10, min: 1, description: '...' },
 *   };
 *   export default class MyStrategy {         // or a factory: export default (options) => ({...})
 *     constructor(options) { ... }            // options: configSchema's defaults ← the JSON file
 *     name = 'my-strategy';
 *     onTick(tick, ctx) { ... }               // required
 *     onNews(news, ctx) { ... }               // optional
 *     onExecution(report, ctx) { ... }        // optional
 *     onOrderClosed(order, reason, ctx) {}    // optional: closed without a final report
 *     onStart(ctx) {}  onStop(ctx) {}         // optional
 *   }
 *
 * Field kinds are config/schema.ts's: string (choices, pattern), number and integer (min,
 * max), boolean, list. The JSON file is validated against the schema like any config file
 * of ours: every bad field reported at once, unknown keys refused. Anything wrong (no such
 * file, a module that does not load, a default export that is neither class nor factory,
 * an object without onTick, a bad schema, a bad options file) fails the start with
 * E_CONFIG_INVALID naming the file and the problem.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Field, type Schema } from '../config/schema.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { Strategy } from './strategy.js';

/** Names of the strategies compiled in; anything else given to --strategy is a module path. */
export const BUILT_IN_STRATEGIES = ['seed', 'imbalance'] as const;

/** True when --strategy names a module file rather than a built-in strategy. */
export function isStrategyPath(value: string): boolean {
  return !(BUILT_IN_STRATEGIES as readonly string[]).includes(value);
}

const FIELD_KINDS = new Set(['string', 'optional-string', 'number', 'integer', 'boolean', 'list']);

function fail(file: string, problem: string): never {
  throw new TradingError(ErrorCode.CONFIG_INVALID, `strategy module ${file}: ${problem}`);
}

/** The module's configSchema, checked field by field (a bad schema is the module's bug). */
function checkSchema(file: string, raw: unknown): Schema {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'configSchema must be an object of fields');
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const field = value as Partial<Field> | null;
    if (field === null || typeof field !== 'object') {
      problems.push(`configSchema.${key} must be an object`);
      continue;
    }
    if (typeof field.kind !== 'string' || !FIELD_KINDS.has(field.kind)) {
      problems.push(`configSchema.${key}.kind must be one of ${[...FIELD_KINDS].join(', ')}, got ${JSON.stringify(field.kind)}`);
    } else if (field.kind !== 'optional-string' && !('default' in field)) {
      problems.push(`configSchema.${key} needs a default`);
    }
    if (typeof field.description !== 'string') (field as { description: string }).description = key;
  }
  if (problems.length > 0) fail(file, problems.join('; '));
  return raw as Schema;
}

/** The options: the schema's defaults, overridden by the JSON file, validated. */
function loadOptions(file: string, schema: Schema, configFile: string | undefined): Record<string, unknown> {
  if (configFile !== undefined && Object.keys(schema).length === 0) {
    fail(file, `--strategy-config ${configFile} given, but the module exports no configSchema to validate it against`);
  }
  try {
    // the file only: the environment's TRADING_* variables belong to the process, not to the strategy
    return loadConfig(schema, { argv: configFile === undefined ? [] : ['--config', configFile], env: {} }).config;
  } catch (err) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `strategy options ${configFile ?? '(defaults)'} for ${file}: ${(err as Error).message}`);
  }
}

function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/** Check the object the module made, and fill the optional callbacks. */
function asStrategy(file: string, made: unknown): Strategy {
  if (made === null || typeof made !== 'object') fail(file, `the default export made ${made === null ? 'null' : typeof made}, not a strategy object`);
  const candidate = made as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof candidate['onTick'] !== 'function') problems.push('onTick(tick, ctx) is missing (it must be a method)');
  for (const optional of ['onNews', 'onExecution', 'onOrderClosed', 'onStart', 'onStop']) {
    if (candidate[optional] !== undefined && typeof candidate[optional] !== 'function') problems.push(`${optional}, when present, must be a method`);
  }
  if (candidate['name'] !== undefined && (typeof candidate['name'] !== 'string' || candidate['name'] === '')) {
    problems.push('name, when present, must be a non-empty string');
  }
  if (problems.length > 0) fail(file, `does not implement the Strategy interface: ${problems.join('; ')}`);
  const strategy = made as Strategy & { name?: string };
  if (strategy.name === undefined) (strategy as { name: string }).name = 'module';
  // the engine calls these unconditionally; a strategy that ignores news need not write one
  if (strategy.onNews === undefined) strategy.onNews = () => undefined;
  if (strategy.onExecution === undefined) strategy.onExecution = () => undefined;
  return strategy;
}

/**
 * Load the strategy module at `path` (relative to `cwd`) with the options of `configFile`.
 * Throws TradingError E_CONFIG_INVALID saying what is wrong.
 */
export async function loadStrategyModule(path: string, configFile?: string, cwd: string = process.cwd()): Promise<Strategy> {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) {
    const builtIn = /[\\/]|\.[cm]?js$/.test(path) ? '' : `not a built-in strategy (${BUILT_IN_STRATEGIES.join(', ')}) and `;
    fail(path, `${builtIn}no such file (looked for ${file})`);
  }
  if (!statSync(file).isFile()) fail(path, 'is not a file');
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    fail(path, `cannot be loaded as an ES module: ${describeError(err)}`);
  }
  const exported = loaded['default'];
  if (typeof exported !== 'function') {
    fail(path, `its default export must be the strategy class or a factory function, got ${exported === undefined ? 'no default export' : typeof exported}`);
  }
  const schema = checkSchema(path, loaded['configSchema']);
  const options = loadOptions(path, schema, configFile);
  let made: unknown;
  try {
    const make = exported as (options: Record<string, unknown>) => unknown;
    made = isClass(make) ? new (make as unknown as new (options: Record<string, unknown>) => unknown)(options) : make(options);
    if (made instanceof Promise) made = await made;
  } catch (err) {
    if (err instanceof TradingError) throw err;
    fail(path, `its constructor or factory threw: ${describeError(err)}`);
  }
  return asStrategy(path, made);
}
