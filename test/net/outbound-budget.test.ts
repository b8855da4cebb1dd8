/**
 * The outbound budget's victim selection (src/net/outbound-budget.ts), as pure logic:
 * who is conflated harder, who is disconnected, and that a client whose writes keep
 * completing is never either, however much it holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEMOTE_AFTER_MS,
  DISCONNECT_AFTER_MS,
  STALL_STEP_MAX_MS,
  planOutboundBudget,
  stallStep,
  type BudgetClient,
  type BudgetPlan,
} from '../../src/net/outbound-budget.js';

interface Client extends BudgetClient {
  name: string;
}

const MIB = 1024 * 1024;

function client(name: string, memoryMib: number, stalledMs: number, demotable = false, releasableMib = 0): Client {
  return { name, outboundMemoryBytes: memoryMib * MIB, stalledMs, demotable, releasableBytes: releasableMib * MIB };
}

function plan(clients: Client[], budgetMib: number): BudgetPlan<Client> {
  const total = clients.reduce((sum, c) => sum + c.outboundMemoryBytes, 0);
  return planOutboundBudget(clients, total, budgetMib * MIB, { demote: [], disconnect: [], projectedBytes: 0 });
}

const names = (list: Client[]): string[] => list.map((c) => c.name);

test('under the budget nothing is planned, however long a client has been stalled', () => {
  const result = plan([client('stalled', 10, 60_000, true, 8), client('reader', 50, 0)], 64);
  assert.deepEqual(result.demote, []);
  assert.deepEqual(result.disconnect, []);
});

test('a reader whose writes keep completing is never chosen, even when the budget cannot be met without it', () => {
  // the reader holds most of the total (a max-rate producer keeps its queue full), the
  // stalled clients hold little: the plan leaves the total over the target rather than touch it
  const reader = client('reader', 100, 0, true, 90);
  const almost = client('almost', 10, DEMOTE_AFTER_MS - 1, true, 9);
  const result = plan([reader, almost, client('stalled', 1, 5_000)], 64);
  assert.deepEqual(names(result.demote), []);
  assert.deepEqual(names(result.disconnect), ['stalled']);
  assert.ok(result.projectedBytes > 48 * MIB, 'the target is not met, and that is accepted');
});

test('furthest behind first: the longest stalled go, and the plan stops at 3/4 of the budget', () => {
  const clients = [client('1s', 4, 1_000), client('5s', 4, 5_000), client('3s', 4, 3_000), client('2s', 4, 2_000), client('reader', 4, 0)];
  // 20 MiB held against a 16 MiB budget: target 12 MiB, so two must go
  const result = plan(clients, 16);
  assert.deepEqual(names(result.disconnect), ['5s', '3s']);
  assert.equal(result.projectedBytes, 12 * MIB);
});

test('equally stalled: the largest goes first', () => {
  const result = plan([client('small', 1, 2_000), client('large', 8, 2_000), client('mid', 4, 2_000)], 8);
  assert.deepEqual(names(result.disconnect), ['large']);
});

test('conflate harder before disconnecting: demotion that releases enough disconnects nobody', () => {
  const result = plan([client('slow', 40, 3_000, true, 36), client('reader', 20, 0, true, 16)], 48);
  assert.deepEqual(names(result.demote), ['slow']);
  assert.deepEqual(names(result.disconnect), []);
  assert.equal(result.projectedBytes, 24 * MIB);
});

test('a client stalled past DEMOTE_AFTER_MS but not DISCONNECT_AFTER_MS is demoted, never disconnected', () => {
  const young = client('young', 30, (DEMOTE_AFTER_MS + DISCONNECT_AFTER_MS) / 2, true, 2);
  const result = plan([young, client('reader', 30, 0)], 32);
  assert.deepEqual(names(result.demote), ['young']);
  assert.deepEqual(names(result.disconnect), [], 'not stalled long enough to be cut off');
});

test('when demotion is not enough, the furthest behind are disconnected, counting what demotion already released', () => {
  // a never-reading client holds what is in flight (not releasable); a demoted slow one keeps part
  const result = plan([client('never', 10, 9_000), client('slow', 10, 4_000, true, 6), client('reader', 10, 0, true, 9)], 20);
  assert.deepEqual(names(result.demote), ['slow']);
  assert.deepEqual(names(result.disconnect), ['never']);
  assert.equal(result.projectedBytes, 14 * MIB);
});

test('on a server that does not conflate (nothing demotable) only disconnection is left', () => {
  const result = plan([client('a', 10, 1_500), client('b', 10, 700)], 12);
  assert.deepEqual(names(result.demote), []);
  assert.deepEqual(names(result.disconnect), ['a'], 'b is not stalled long enough to be disconnected');
});

test('the stall clock advances at most STALL_STEP_MAX_MS per check: a blocked event loop stalls nobody', () => {
  assert.equal(stallStep(10), 10);
  assert.equal(stallStep(5_000), STALL_STEP_MAX_MS);
  assert.equal(stallStep(-3), 0);
});

test('property: clients below DEMOTE_AFTER_MS are never chosen; the disconnected were stalled DISCONNECT_AFTER_MS; order is furthest behind first', () => {
  const arbitraryClient = fc.record({
    memory: fc.integer({ min: 0, max: 16 * MIB }),
    stalledMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 })),
    demotable: fc.boolean(),
    releasableFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  fc.assert(
    fc.property(fc.array(arbitraryClient, { maxLength: 60 }), fc.integer({ min: 1, max: 256 * MIB }), (specs, budget) => {
      const clients: Client[] = specs.map((s, i) => ({
        name: String(i),
        outboundMemoryBytes: s.memory,
        stalledMs: s.stalledMs,
        demotable: s.demotable,
        releasableBytes: s.demotable ? Math.floor(s.memory * s.releasableFraction) : 0,
      }));
      const total = clients.reduce((sum, c) => sum + c.outboundMemoryBytes, 0);
      const result = planOutboundBudget(clients, total, budget, { demote: [], disconnect: [], projectedBytes: 0 });
      if (total <= budget) return result.demote.length === 0 && result.disconnect.length === 0;
      for (const c of result.demote) if (c.stalledMs < DEMOTE_AFTER_MS || !c.demotable) return false;
      for (const c of result.disconnect) if (c.stalledMs < DISCONNECT_AFTER_MS) return false;
      for (let i = 1; i < result.disconnect.length; i++) if ((result.disconnect[i]?.stalledMs ?? 0) > (result.disconnect[i - 1]?.stalledMs ?? 0)) return false;
      // nothing is cut beyond need: without the last one disconnected, the total was still over the target
      const target = Math.floor((budget * 3) / 4);
      const last = result.disconnect.at(-1);
      if (last !== undefined) {
        const releasedByLast = last.outboundMemoryBytes - (result.demote.includes(last) ? last.releasableBytes : 0);
        if (result.projectedBytes + releasedByLast <= target) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});
