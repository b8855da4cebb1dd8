/**
 * Our Node-API addon (native/, built by node-gyp on npm install), loaded once for every
 * folder that wraps a part of it: shm/ (POSIX shared memory), net/ (a socket option),
 * core/released-memory.ts (mappings released on demand) and core/core-yield.ts.
 *
 * The addon is found from the package root (the nearest directory above this file that
 * holds package.json) at build/Release/shm.node, so the same code works compiled into
 * dist/ or into any other output directory.
 *
 * A stale addon is refused, not worked around. node-gyp builds it on `npm install` only: a
 * checkout that pulled a change to native/ without `npm run install` keeps the binary of the
 * older sources, which lacks the newer functions. The code that wraps them used to fall back
 * in silence (no send-buffer hold, plain frame buffers), and tests skipped or hung. So the
 * loader checks the addon for every export in ADDON_EXPORTS: a missing `required` one throws
 * E_ADDON_STALE; a missing `optional` one warns once per process with that code.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradingError } from './errors.js';
import { createLogger } from './log.js';

/** Where the addon sits below the package root. */
export const NATIVE_ADDON_PATH = join('build', 'Release', 'shm.node');

/** An export without which nothing may run, or what a process loses when it runs without one. */
export type AddonNeed = 'required' | { readonly without: string };

/**
 * Every export of native/shm.c the JavaScript uses, and whether a process may run without it.
 *
 * - required: shared memory (`create` ... `maxSizeBytes`): the book and every counters
 *   segment; nothing runs without them.
 * - required: the send-buffer hold (`setSendBuffer`, `sendBufferLocked`): without it a server
 *   runs, but a never-reading client pins megabytes of kernel memory again (the flood that
 *   exhausted tcp_mem). A kernel that cannot do it is reported at run time (net/send-buffer.ts);
 *   a binary that lacks it is only ever a stale build, fixed by one command: refused.
 * - optional: released mappings and malloc_trim (`anonymous`, `trim`): without them large
 *   frame buffers are plain Buffers, which work the same and give their memory back later
 *   (core/released-memory.ts). Nothing is wrong or unprotected, only slower to shrink: a
 *   warning.
 * - optional: `yieldCore` (sched_yield): without it a strategy keeps its core after an
 *   order goes out (core/core-yield.ts); its orders arrive 20-40 µs later, nothing else.
 */
export const ADDON_EXPORTS = {
  create: 'required',
  open: 'required',
  close: 'required',
  unlink: 'required',
  maxSizeBytes: 'required',
  setSendBuffer: 'required',
  sendBufferLocked: 'required',
  anonymous: { without: 'large frame buffers are plain Buffers, their memory given back at a collection rather than on close' },
  trim: { without: "memory freed after a burst of closes stays in malloc's heap" },
  yieldCore: { without: 'the strategy keeps its core after an order goes out, so the order manager reads it later' },
} as const satisfies Record<string, AddonNeed>;

export type AddonExportName = keyof typeof ADDON_EXPORTS;

const EXPORT_NEEDS: Readonly<Record<string, AddonNeed>> = ADDON_EXPORTS;

/** The remedy every E_ADDON_STALE message ends with. */
export const ADDON_REBUILD_HINT = 'rebuild it: npm run install';

/** The exports of ADDON_EXPORTS that `loaded` lacks, by need. */
export function missingAddonExports(loaded: unknown): { required: string[]; optional: string[] } {
  const missing = { required: [] as string[], optional: [] as string[] };
  const exports = (typeof loaded === 'object' && loaded !== null ? loaded : {}) as Record<string, unknown>;
  for (const [name, need] of Object.entries(EXPORT_NEEDS)) {
    const value = exports[name];
    const present = name === 'maxSizeBytes' ? typeof value === 'number' : typeof value === 'function';
    if (!present) missing[need === 'required' ? 'required' : 'optional'].push(name);
  }
  return missing;
}

/** The optional exports already warned about in this process. */
const warned = new Set<string>();

/**
 * The addon `loaded` (read from `path`) if it has every required export; throws E_ADDON_STALE
 * naming the missing ones otherwise. A missing optional export is warned about (through
 * `warn`), once per process and name.
 */
export function verifyNativeAddon(
  loaded: unknown,
  path: string,
  warn: (message: string) => void = (message) => createLogger('addon').warn(message),
): unknown {
  const { required, optional } = missingAddonExports(loaded);
  if (required.length > 0) {
    const also = optional.length > 0 ? ` (and ${optional.join(', ')})` : '';
    throw new TradingError(
      ErrorCode.ADDON_STALE,
      `the native addon ${path} lacks ${required.join(', ')}${also}: it was built from older native/ sources than this code; ${ADDON_REBUILD_HINT}`,
    );
  }
  const news = optional.filter((name) => !warned.has(name));
  if (news.length > 0) {
    for (const name of news) warned.add(name);
    const effects = news.map((name) => (EXPORT_NEEDS[name] as { without: string }).without);
    warn(`${ErrorCode.ADDON_STALE}: the native addon ${path} lacks ${news.join(', ')} (built from older native/ sources): ${effects.join('; ')}; ${ADDON_REBUILD_HINT}`);
  }
  return loaded;
}

let addon: unknown;
let refusal: TradingError | undefined;

/**
 * The addon's exports (each wrapper types its own part), or undefined when it is not built.
 * Throws E_ADDON_STALE (every call, the same error) when it lacks a required export.
 */
export function loadNativeAddon(): unknown {
  if (refusal !== undefined) throw refusal;
  if (addon !== undefined) return addon;
  const path = join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), NATIVE_ADDON_PATH);
  if (!existsSync(path)) return undefined;
  const loaded = createRequire(import.meta.url)(path) as unknown;
  try {
    addon = verifyNativeAddon(loaded, NATIVE_ADDON_PATH);
  } catch (err) {
    refusal = err as TradingError;
    throw err;
  }
  return addon;
}

/**
 * The addon as the part a wrapper uses, when it has that part's functions (`names`); null
 * when it is not built, is refused (E_ADDON_STALE) or lacks one: each wrapper then has its
 * own way of doing without.
 */
export function nativeAddonPart<T>(names: readonly (keyof T & string)[]): T | null {
  try {
    const loaded = loadNativeAddon() as Record<string, unknown> | undefined;
    return loaded !== undefined && names.every((name) => typeof loaded[name] === 'function') ? (loaded as T) : null;
  } catch {
    return null;
  }
}

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
