// The file-size check (scripts/check-file-size.js, run by `npm run layers` in `npm test`):
// a file in src/ over 600 lines fails it, naming the file and its count; 600 passes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, tempDir } from '../helpers/resources.js';

after(cleanupAll);

const CHECK = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/check-file-size.js');

function tree(files: Record<string, number>): string {
  const dir = tempDir('file-size');
  for (const [path, lines] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), 'export const x = 1;\n'.repeat(lines));
  }
  return dir;
}

function check(dir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CHECK, '--cwd', dir], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('a file in src/ over 600 lines fails the check, named with its count; at 600 it passes', () => {
  const over = check(tree({ 'src/core/small.ts': 10, 'src/strategy/big.ts': 601, 'src/net/edge.ts': 600 }));
  assert.equal(over.status, 1, over.output);
  assert.match(over.output, /src\/strategy\/big\.ts has 601 lines/);
  assert.doesNotMatch(over.output, /edge\.ts|small\.ts/);

  const edge = check(tree({ 'src/net/edge.ts': 600, 'src/net/nested/deeper/file.ts': 599 }));
  assert.equal(edge.status, 0, edge.output);
});
