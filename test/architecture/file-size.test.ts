// The file-size check (scripts/check-file-size.js, run by `npm run layers` in `npm test`):
// a file in src/ over 600 lines fails it, naming the file and its count; 600 passes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../helpers/resources.js';
import { runCheck, tree as makeTree } from './check-script.js';

after(cleanupAll);

/** Files of so many lines each. */
function tree(files: Record<string, number>): string {
  return makeTree('file-size', Object.fromEntries(Object.entries(files).map(([path, lines]) => [path, 'export const x = 1;\n'.repeat(lines)])));
}

const check = (dir: string): { status: number | null; output: string } => runCheck('check-file-size.js', dir);

test('a file in src/ over 600 lines fails the check, named with its count; at 600 it passes', () => {
  const over = check(tree({ 'src/core/small.ts': 10, 'src/strategy/big.ts': 601, 'src/net/edge.ts': 600 }));
  assert.equal(over.status, 1, over.output);
  assert.match(over.output, /src\/strategy\/big\.ts has 601 lines/);
  assert.doesNotMatch(over.output, /edge\.ts|small\.ts/);

  const edge = check(tree({ 'src/net/edge.ts': 600, 'src/net/nested/deeper/file.ts': 599 }));
  assert.equal(edge.status, 0, edge.output);
});
