// Runs every compiled test file (<dist>/test/**/*.test.js) with node's test runner.
// Node 20's runner takes no globs, so the files are listed here.
//   node scripts/run-tests.js [--dist DIR] [FILTER]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkAddon } from './check-addon.js';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const { values, positionals } = parseArgs({ options: { dist: { type: 'string', default: 'dist' } }, allowPositionals: true });
// a stale native addon first, in one line, rather than as tests failing or skipping one by one
const addon = await checkAddon(process.cwd(), values.dist);
for (const line of addon.lines) console.error(line);
if (!addon.ok) process.exit(1);
const filter = positionals[0];
const files = findTests(join(values.dist, 'test'))
  .filter((file) => filter === undefined || file.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no test files found under ${values.dist}/test${filter ? ` matching ${filter}` : ''} (did the build run?)`);
  process.exit(1);
}
// Two files at a time: most of the time goes to system tests that wait on child processes, so
// a second file fills the idle core; the system suites start first, as they take longest.
const systemFirst = [...files.filter((file) => file.includes(`${join('test', 'system')}`)), ...files.filter((file) => !file.includes(`${join('test', 'system')}`))];
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...systemFirst], { stdio: 'inherit' });
process.exit(result.status ?? 1);
