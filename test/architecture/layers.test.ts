// The layering check (scripts/check-layers.js, run by `npm test`) fails on an import that
// points up, and passes the same tree once the import points down.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, tempDir } from '../helpers/resources.js';

after(cleanupAll);

const CHECK = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/check-layers.js');

function tree(files: Record<string, string>): string {
  const dir = tempDir('layers');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function check(dir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CHECK, '--cwd', dir], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('an upward import (core → shm) fails the check, naming the rule and both files', { timeout: 120_000 }, () => {
  const upward = check(
    tree({
      'src/core/clock.ts': "import { SEGMENT } from '../shm/segment.js';\nexport const clock = SEGMENT;\n",
      'src/shm/segment.ts': "export const SEGMENT = 'book';\n",
    }),
  );
  assert.notEqual(upward.status, 0, upward.output);
  assert.match(upward.output, /layer-core/);
  assert.match(upward.output, /src\/core\/clock\.ts → src\/shm\/segment\.ts/);

  const downward = check(
    tree({
      'src/core/clock.ts': "export const clock = 'book';\n",
      'src/shm/segment.ts': "import { clock } from '../core/clock.js';\nexport const SEGMENT = clock;\n",
    }),
  );
  assert.equal(downward.status, 0, downward.output);
});
