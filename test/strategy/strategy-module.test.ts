/** Loading a strategy from a file: what is accepted, and the errors a user sees. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStrategyPath, loadStrategyModule } from '../../src/strategy/strategy-module.js';

const dir = mkdtempSync(join(tmpdir(), 'strategy-module-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function configError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'E_CONFIG_INVALID');
    assert.match(err.message, pattern);
    return true;
  });
}

test('built-in names stay names; anything else is a path', () => {
  assert.equal(isStrategyPath('seed'), false);
  assert.equal(isStrategyPath('imbalance'), false);
  assert.equal(isStrategyPath('./my.mjs'), true);
});

test('a class, a factory, and an async factory are all accepted; missing callbacks become no-ops', async () => {
  const asClass = await loadStrategyModule(write('class.mjs', 'export default class A { name = "a"; onTick() {} }'));
  assert.equal(asClass.name, 'a');
  asClass.onNews({} as never, {} as never);
  const factory = await loadStrategyModule(write('factory.mjs', 'export default (o) => ({ name: "f", onTick() {} })'));
  assert.equal(factory.name, 'f');
  const asyncFactory = await loadStrategyModule(write('async.mjs', 'export default async () => ({ onTick() {} })'));
  assert.equal(asyncFactory.name, 'module');
});

test('a relative path is taken from the given directory', async () => {
  write('relative.mjs', 'export default class { name = "rel"; onTick() {} }');
  assert.equal((await loadStrategyModule('./relative.mjs', undefined, dir)).name, 'rel');
});

test('every way a module can be wrong fails with E_CONFIG_INVALID saying what', async () => {
  await configError(loadStrategyModule(join(dir, 'missing.mjs')), /missing\.mjs: no such file/);
  await configError(loadStrategyModule(dir), /is not a file/);
  await configError(loadStrategyModule(write('syntax.mjs', 'export default class {')), /cannot be loaded as an ES module/);
  await configError(loadStrategyModule(write('nodefault.mjs', 'export const x = 1;')), /default export .* got no default export/);
  await configError(loadStrategyModule(write('object.mjs', 'export default { onTick() {} }')), /default export must be the strategy class or a factory function, got object/);
  await configError(loadStrategyModule(write('notick.mjs', 'export default class { name = "x"; onNews() {} }')), /does not implement the Strategy interface: onTick\(tick, ctx\) is missing/);
  await configError(loadStrategyModule(write('badnews.mjs', 'export default () => ({ onTick() {}, onNews: 3 })')), /onNews, when present, must be a method/);
  await configError(loadStrategyModule(write('badclosed.mjs', 'export default () => ({ onTick() {}, onOrderClosed: true })')), /onOrderClosed, when present, must be a method/);
  await configError(loadStrategyModule(write('throws.mjs', 'export default class { constructor() { throw new Error("no way") } }')), /constructor or factory threw: no way/);
  await configError(
    loadStrategyModule(write('badschema.mjs', 'export const configSchema = { a: { kind: "colour" }, b: { kind: "number" } }; export default () => ({ onTick() {} })')),
    /configSchema\.a\.kind must be one of .*; configSchema\.b needs a default/,
  );
  const options = write('options.json', '{"a": 1}');
  await configError(loadStrategyModule(write('noschema.mjs', 'export default () => ({ onTick() {} })'), options), /exports no configSchema/);
});
