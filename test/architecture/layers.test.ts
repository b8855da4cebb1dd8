// The layering check (scripts/check-layers.js, run by `npm test`) fails on an import that
// points up, and passes the same tree once the import points down.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../helpers/resources.js';
import { runCheck, tree as makeTree } from './check-script.js';

after(cleanupAll);

const tree = (files: Record<string, string>): string => makeTree('layers', files);
const check = (dir: string): { status: number | null; output: string } => runCheck('check-layers.js', dir);

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
