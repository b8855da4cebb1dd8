// Builds the dashboard page into dist/dashboard/: type-checks the page's sources (they run
// in a browser, so they have their own tsconfig), bundles them with lightweight-charts into
// one app.js (esbuild), and copies the HTML, the CSS and the licence texts beside it.
// Part of `npm run build` and of `npm install` (prepare): the dashboard serves only these.
//   node scripts/build-dashboard.js [--skip-typecheck]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pageDir = join(root, 'src', 'dashboard', 'page');
const outDir = join(root, 'dist', 'dashboard');
const require = createRequire(import.meta.url);

if (!process.argv.includes('--skip-typecheck')) {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.page.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(pageDir, 'main.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  conditions: ['production'],
  logLevel: 'warning',
});
copyFileSync(join(pageDir, 'index.html'), join(outDir, 'index.html'));
copyFileSync(join(pageDir, 'app.css'), join(outDir, 'app.css'));

// lightweight-charts' licence asks for its NOTICE (the npm package does not ship the file;
// its text is the one in the project's repository) and its licence beside what we serve.
const chartsDir = dirname(require.resolve('lightweight-charts/package.json'));
const chartsVersion = JSON.parse(readFileSync(join(chartsDir, 'package.json'), 'utf8')).version;
const notice = 'TradingView Lightweight Charts\nCopyright (c) 2023 TradingView, Inc. https://www.tradingview.com/\n';
writeFileSync(
  join(outDir, 'licenses.txt'),
  `This page bundles TradingView Lightweight Charts ${chartsVersion}.\n\nNOTICE\n\n${notice}\nLICENSE\n\n${readFileSync(join(chartsDir, 'LICENSE'), 'utf8')}`,
);
