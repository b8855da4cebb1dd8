import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusySpin } from '../../src/core/busy-spin.js';

test('a touched BusySpin keeps the loop turning for its window, then lets it sleep', async () => {
  let polls = 0;
  const spin = new BusySpin(20, () => polls++);
  // taken before the touch: a process descheduled between the two would otherwise shorten the window seen
  const startedMs = performance.now();
  spin.touch();
  assert.equal(spin.spinning, true);
  while (spin.spinning) await new Promise((resolve) => setImmediate(resolve));
  const elapsedMs = performance.now() - startedMs;
  assert.ok(elapsedMs >= 19.9, `spun for ${elapsedMs.toFixed(1)} ms`);
  // how many turns fit depends on the machine's load; that it spun for the window does not
  assert.ok(polls >= 1 && polls === spin.spins, `${polls} polls`);
  spin.close();
});

test('disabled (window 0) it never spins; close stops it at once; bad windows are refused', () => {
  const off = new BusySpin(0);
  off.touch();
  assert.equal(off.enabled, false);
  assert.equal(off.spinning, false);
  const on = new BusySpin(1_000);
  on.touch();
  on.close();
  assert.equal(on.spinning, false);
  on.touch();
  assert.equal(on.spinning, false, 'a closed spinner stays closed');
  assert.throws(() => new BusySpin(-1), { code: 'E_CONFIG_INVALID' });
  assert.throws(() => new BusySpin(Number.NaN), { code: 'E_CONFIG_INVALID' });
});
