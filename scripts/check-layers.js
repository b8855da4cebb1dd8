// The layering check of `npm test`: runs dependency-cruiser with .dependency-cruiser.cjs
// (the layer table) over src/. Exits non-zero on an import up or sideways, a cycle, or a
// folder missing from the table.
//   node scripts/check-layers.js [--cwd DIR]   (DIR: a tree with src/, for the check's own test)
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { cwd: { type: 'string', default: repo } } });
const depcruise = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const result = spawnSync(process.execPath, [depcruise, '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'err', 'src'], {
  cwd: values.cwd,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
