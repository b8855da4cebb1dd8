/**
 * The page's files, built by scripts/build-dashboard.js (esbuild, on `npm run build` and
 * `npm install`) into dist/dashboard/, read once at start and served from memory: nothing
 * comes from another host.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradingError } from '../core/errors.js';

export const ASSETS_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** URL path → asset, for every file of the built page. */
export function loadAssets(dir: string = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    assets.set(`/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  if (!assets.has('/index.html') || !assets.has('/app.js')) {
    throw new TradingError(ErrorCode.DASHBOARD_ASSETS_MISSING, `the dashboard page is not built (no index.html and app.js in ${dir}): run npm run build`);
  }
  return assets;
}
