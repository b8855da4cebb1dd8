/**
 * Our Node-API addon (native/, built by node-gyp on npm install), loaded once for every
 * folder that wraps a part of it: shm/ (POSIX shared memory) and net/ (a socket option).
 *
 * The addon is found from the package root (the nearest directory above this file that
 * holds package.json) at build/Release/shm.node, so the same code works compiled into
 * dist/ or into any other output directory.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradingError } from './errors.js';

/** Where the addon sits below the package root. */
export const NATIVE_ADDON_PATH = join('build', 'Release', 'shm.node');

/** The directory holding package.json, walking up from `start`. */
export function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new TradingError(ErrorCode.INTERNAL, `no package.json above ${start}`);
    dir = parent;
  }
}

let addon: unknown;

/** The addon's exports (each wrapper types its own part), or undefined when it is not built. */
export function loadNativeAddon(): unknown {
  if (addon !== undefined) return addon;
  const path = join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), NATIVE_ADDON_PATH);
  if (!existsSync(path)) return undefined;
  addon = createRequire(import.meta.url)(path) as unknown;
  return addon;
}
