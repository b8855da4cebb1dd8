/**
 * A stale native addon (built from older native/ sources than the code) is said loudly:
 * the loader refuses one that lacks a required export (E_ADDON_STALE) and warns once per
 * process about a missing optional one; scripts/check-addon.js says so before the tests run.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { ADDON_EXPORTS, findPackageRoot, loadNativeAddon, missingAddonExports, verifyNativeAddon } from '../../src/core/native-addon.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';

after(cleanupAll);

const here = dirname(fileURLToPath(import.meta.url));
const root = findPackageRoot(here);
const noop = (): number => 0;

/** A module object with every export ADDON_EXPORTS names, less `without`. */
function stubAddon(...without: string[]): Record<string, unknown> {
  const stub: Record<string, unknown> = {};
  for (const name of Object.keys(ADDON_EXPORTS)) if (!without.includes(name)) stub[name] = name === 'maxSizeBytes' ? 1 << 30 : noop;
  return stub;
}

test('an addon without a required export is refused: E_ADDON_STALE names what it lacks and how to rebuild it', () => {
  for (const name of ['setSendBuffer', 'sendBufferLocked', 'create', 'maxSizeBytes']) {
    const warnings: string[] = [];
    assert.throws(
      () => verifyNativeAddon(stubAddon(name), 'build/Release/shm.node', (message) => warnings.push(message)),
      (err: unknown) => {
        assert.ok(err instanceof TradingError);
        assert.equal(err.code, ErrorCode.ADDON_STALE);
        assert.match(err.message, new RegExp(`lacks ${name}: .*npm run install`));
        return true;
      },
    );
    assert.deepEqual(warnings, []);
  }
  // a non-function where a function belongs is as good as missing
  assert.throws(() => verifyNativeAddon({ ...stubAddon(), setSendBuffer: 1 }, 'x', () => undefined), { code: ErrorCode.ADDON_STALE });
  // what else it lacks is named too
  assert.throws(() => verifyNativeAddon(stubAddon('setSendBuffer', 'trim'), 'x', () => undefined), /lacks setSendBuffer \(and trim\)/);
});

test('an addon without an optional export is used, with one E_ADDON_STALE warning per process and name', () => {
  const warnings: string[] = [];
  const warn = (message: string): number => warnings.push(message);
  const stub = stubAddon('anonymous');
  assert.equal(verifyNativeAddon(stub, 'build/Release/shm.node', warn), stub);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^E_ADDON_STALE: .*lacks anonymous \(built from older native\/ sources\): large frame buffers are plain Buffers.*; rebuild it: npm run install$/);
  verifyNativeAddon(stubAddon('anonymous'), 'build/Release/shm.node', warn);
  assert.equal(warnings.length, 1, 'warned once per process');
  verifyNativeAddon(stubAddon('anonymous', 'trim'), 'build/Release/shm.node', warn);
  assert.equal(warnings.length, 2, 'a name not warned about yet');
  assert.match(warnings[1] ?? '', /lacks trim \(/);
  assert.doesNotMatch(warnings[1] ?? '', /anonymous/);
  verifyNativeAddon(stubAddon(), 'build/Release/shm.node', warn);
  assert.equal(warnings.length, 2, 'a complete addon: nothing to say');
});

test('ADDON_EXPORTS names exactly what native/shm.c exports, and the addon built here has all of it', () => {
  const source = readFileSync(join(root, 'native', 'shm.c'), 'utf8');
  const exported = [
    ...[...source.matchAll(/\{"(\w+)", NULL, \w+, NULL, NULL, NULL, napi_\w+, NULL\}/g)].map((m) => m[1]),
    ...[...source.matchAll(/napi_set_named_property\(env, exports, "(\w+)"/g)].map((m) => m[1]),
  ].sort();
  assert.deepEqual(exported, Object.keys(ADDON_EXPORTS).sort(), 'a function added to native/ needs its line in ADDON_EXPORTS (required or optional, and why)');
  assert.deepEqual(missingAddonExports(loadNativeAddon()), { required: [], optional: [] });
});

/** A tree like the repository for scripts/check-addon.js: the real addon and loader, native/ older than the addon. */
function addonTree(patchExports?: (text: string) => string): string {
  const dir = tempDir('platform-addon');
  mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
  mkdirSync(join(dir, 'native'));
  mkdirSync(join(dir, 'dist', 'src', 'core'), { recursive: true });
  copyFileSync(join(root, 'build', 'Release', 'shm.node'), join(dir, 'build', 'Release', 'shm.node'));
  for (const file of ['native-addon.js', 'errors.js', 'log.js']) {
    const text = readFileSync(join(root, 'dist', 'src', 'core', file), 'utf8');
    writeFileSync(join(dir, 'dist', 'src', 'core', file), file === 'native-addon.js' && patchExports !== undefined ? patchExports(text) : text);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'native', 'shm.c'), '/* sources */\n');
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(join(dir, 'native', 'shm.c'), past, past);
  return dir;
}

function checkAddon(dir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'check-addon.js'), '--cwd', dir], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('check-addon (run before the tests): silent for a current addon, a warning for native/ newer than it, an error for an export it lacks', () => {
  const current = addonTree();
  assert.deepEqual(checkAddon(current), { status: 0, output: '' });

  const touched = addonTree();
  const future = new Date(Date.now() + 60_000);
  utimesSync(join(touched, 'native', 'shm.c'), future, future);
  const warned = checkAddon(touched);
  assert.equal(warned.status, 0, warned.output);
  assert.match(warned.output, /warning: native\/shm\.c is newer than build\/Release\/shm\.node: .*npm run install/);

  // the code expects a function the binary does not have: as after pulling native/ without rebuilding
  const stale = addonTree((text) => text.replace("create: 'required',", "create: 'required',\n    futureFunction: 'required',"));
  const refused = checkAddon(stale);
  assert.equal(refused.status, 1, refused.output);
  assert.match(refused.output, /E_ADDON_STALE: build\/Release\/shm\.node lacks futureFunction: .*npm run install/);
});
