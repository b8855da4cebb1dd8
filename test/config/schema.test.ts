import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { checkValues, commonFields, describeSchema, loadConfig, parseHostPort, required, toArgs, type Schema } from '../../src/config/schema.js';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';

after(cleanupAll);

const schema = {
  port: commonFields.port(5555),
  rate: { kind: 'number', default: 10, min: 0.1, description: 'updates per second' },
  symbols: { kind: 'list', default: ['AAPL', 'MSFT'], itemPattern: /^[A-Z]{1,8}$/, description: 'symbols' },
  verbose: { kind: 'boolean', default: false, description: 'more output' },
  mode: { kind: 'string', default: 'conflate', choices: ['conflate', 'disconnect'], description: 'policy' },
  summary: { kind: 'optional-string', description: 'summary file' },
} satisfies Schema;

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TradingError);
    assert.equal(err.code, ErrorCode.CONFIG_INVALID);
    return err.message;
  }
  assert.fail('expected E_CONFIG_INVALID');
}

test('defaults apply when nothing is given', () => {
  const { config } = loadConfig(schema, { argv: [], env: {} });
  assert.deepEqual(config, { port: 5555, rate: 10, symbols: ['AAPL', 'MSFT'], verbose: false, mode: 'conflate', summary: undefined });
});

test('file < environment < flags', () => {
  const file = join(tempDir('config'), 'c.json');
  writeFileSync(file, JSON.stringify({ port: 1000, rate: 5, symbols: ['TSLA'] }));
  const { config } = loadConfig(schema, {
    argv: ['--config', file, '--rate', '20'],
    env: { TRADING_PORT: '2000', TRADING_RATE: '7' },
  });
  assert.equal(config.port, 2000);
  assert.equal(config.rate, 20);
  assert.deepEqual(config.symbols, ['TSLA']);
});

test('every bad field is reported at once', () => {
  const message = problemsOf(() =>
    loadConfig(schema, { argv: ['--port', '70000', '--rate', 'fast', '--symbols', 'aapl,MSFT', '--mode', 'drop'], env: { TRADING_VERBOSE: 'maybe' } }),
  );
  for (const part of ['--port: must be ≤ 65535', '--rate: expected a number', '"aapl" not', '--mode: must be one of', 'TRADING_VERBOSE']) {
    assert.ok(message.includes(part), `missing "${part}" in:\n${message}`);
  }
});

test('a negative number after a flag is a value to validate, not a flag', () => {
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--port', '-1', '--rate', '-2.5'], env: {} })), /--port: must be ≥ 0, got -1/);
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--port', '-1'], env: {} })), /^invalid configuration/);
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--port', '--rate'], env: {} })), /argument is ambiguous/);
});

test('unknown flags and unknown config keys are refused', () => {
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--prot', '1'], env: {} })), /Unknown option '--prot'/);
  const file = join(tempDir('config'), 'c.json');
  writeFileSync(file, JSON.stringify({ prot: 1 }));
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--config', file], env: {} })), /unknown key "prot"/);
});

test('a missing or malformed config file is a clear error', () => {
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--config', '/nonexistent/c.json'], env: {} })), /cannot read \(ENOENT\)/);
  const file = join(tempDir('config'), 'bad.json');
  writeFileSync(file, '[1,2]');
  assert.match(problemsOf(() => loadConfig(schema, { argv: ['--config', file], env: {} })), /must hold a JSON object/);
});

test('HOST:PORT parsing', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5555', 'x'), { host: '127.0.0.1', port: 5555 });
  assert.deepEqual(parseHostPort('[::1]:0', 'x'), { host: '::1', port: 0 });
  assert.throws(() => parseHostPort('localhost', '--gateway'), /--gateway: expected HOST:PORT/);
  assert.throws(() => parseHostPort('h:99999', '--gateway'), /expected HOST:PORT/);
});

test('help text names every flag and its environment variable', () => {
  const text = describeSchema('demo', schema);
  for (const part of ['--port', 'TRADING_PORT', '--symbols', 'TRADING_SYMBOLS', 'default: AAPL,MSFT']) assert.ok(text.includes(part), part);
});

test('choices keep their literal type, a field without a default is required, and toArgs round-trips', () => {
  const typed = {
    mode: { kind: 'string', default: 'conflate', choices: ['conflate', 'disconnect'], description: 'policy' },
    shm: required(commonFields.shm(), 'the segment'),
    port: commonFields.port(5555),
    verbose: { kind: 'boolean', default: false, description: 'more output' },
    symbols: { kind: 'list', default: ['AAPL'], description: 'symbols' },
  } as const satisfies Schema;
  assert.match(problemsOf(() => loadConfig(typed, { argv: [], env: {} })), /--shm: required \(the segment\)/);
  const { config } = loadConfig(typed, { argv: ['--shm', '/x'], env: {} });
  // a compile-time check as much as a runtime one: no cast needed for the union
  const mode: 'conflate' | 'disconnect' = config.mode;
  assert.equal(mode, 'conflate');
  const args = toArgs(typed, { shm: '/y', port: 0, verbose: true, symbols: ['A', 'B'], mode: 'disconnect' });
  assert.deepEqual(loadConfig(typed, { argv: args, env: {} }).config, { mode: 'disconnect', shm: '/y', port: 0, verbose: true, symbols: ['A', 'B'] });
});

test('checkValues: an object checked by the same rules as flags, every problem at once', () => {
  const fields = { port: commonFields.port(5555), rate: { kind: 'number', default: 10, min: 0.1, description: 'rate' } } as const satisfies Schema;
  assert.deepEqual(checkValues(fields, { rate: 2 }, 'test'), { port: 5555, rate: 2 });
  const message = problemsOf(() => checkValues(fields, { port: 70000, rate: 0, speed: 1 }, 'test'));
  for (const part of ['port: must be ≤ 65535', 'rate: must be ≥ 0.1', 'speed: unknown setting']) assert.ok(message.includes(part), message);
  assert.match(problemsOf(() => checkValues(fields, 'fast', 'test')), /test: must be an object/);
});

test('every problem of the command line at once: unknown flags, a flag without its value, a switch with one', () => {
  const message = problemsOf(() => loadConfig(schema, { argv: ['--nope', '--verbose=yes', 'stray', '--port', '70000', '--rate'], env: {} }));
  for (const part of ["Unknown option '--nope'", '--verbose: is a switch', "unexpected argument 'stray'", '--port: must be ≤ 65535', '--rate: needs a value']) {
    assert.ok(message.includes(part), `missing "${part}" in:\n${message}`);
  }
});
