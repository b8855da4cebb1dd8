// Whether the native addon (build/Release/shm.node) matches the code about to be tested, said
// before the tests run (scripts/run-tests.js calls it). node-gyp builds the addon on
// `npm install` only, so a checkout that pulled a change to native/ keeps the older binary:
//   - it lacks an export the compiled code expects (ADDON_EXPORTS, src/core/native-addon.ts):
//     an error, exit 1; the tests would fail on E_ADDON_STALE one by one;
//   - native/ or binding.gyp is newer than the binary (by modification time): a warning,
//     exit 0; a changed function with an unchanged name is not seen otherwise, and a
//     checkout can touch a file without changing it, so this is a hint only;
//   - no binary at all: an error, exit 1.
//   node scripts/check-addon.js [--cwd DIR] [--dist DIST]   (DIR: a tree with build/, native/ and DIST/)
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REBUILD = 'rebuild it: npm run install';

/** The newest file under the addon's sources, or undefined when there are none. */
function newestSource(root) {
  const candidates = [join(root, 'binding.gyp')];
  const native = join(root, 'native');
  if (existsSync(native)) for (const entry of readdirSync(native)) candidates.push(join(native, entry));
  let newest;
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const mtimeMs = statSync(path).mtimeMs;
    if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

/** { ok, lines }: what to print, and whether the tests may run. */
export async function checkAddon(root, dist = 'dist') {
  const addon = join(root, 'build', 'Release', 'shm.node');
  if (!existsSync(addon)) return { ok: false, lines: [`check-addon: the native addon ${join('build', 'Release', 'shm.node')} is not built: build it: npm run install`] };
  const lines = [];
  const { missingAddonExports } = await import(pathToFileURL(join(root, dist, 'src', 'core', 'native-addon.js')).href);
  const missing = missingAddonExports(createRequire(import.meta.url)(addon));
  const names = [...missing.required, ...missing.optional];
  if (names.length > 0) {
    lines.push(`check-addon: E_ADDON_STALE: build/Release/shm.node lacks ${names.join(', ')}: it was built from older native/ sources than this code; ${REBUILD}`);
    return { ok: false, lines };
  }
  const newest = newestSource(root);
  if (newest !== undefined && newest.mtimeMs > statSync(addon).mtimeMs) {
    const source = newest.path.slice(root.length + 1);
    lines.push(`check-addon: warning: ${source} is newer than build/Release/shm.node: if native/ changed since the addon was built, ${REBUILD}`);
  }
  return { ok: true, lines };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { values } = parseArgs({ options: { cwd: { type: 'string', default: repo }, dist: { type: 'string', default: 'dist' } } });
  const { ok, lines } = await checkAddon(resolve(values.cwd), values.dist);
  for (const line of lines) console.error(line);
  process.exit(ok ? 0 : 1);
}
