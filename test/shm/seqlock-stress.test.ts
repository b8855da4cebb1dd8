/**
 * The seqlock across processes: one writer process at full speed, two reader processes,
 * each verifying at least 1,000,000 self-checking snapshots. Zero torn reads allowed.
 * Bounded: readers stop at the target or at their deadline, and the writer at its own.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { cleanupAll, spawnNode, stopChild, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';

const WRITER = fileURLToPath(new URL('./fixtures/stress-writer.js', import.meta.url));
const READER = fileURLToPath(new URL('./fixtures/stress-reader.js', import.meta.url));
const TARGET_READS = 1_000_000;
/** Distinct updates each reader must see, so the writer provably ran during the reads. */
const MIN_CHANGES = 1000;
const READER_DEADLINE_MS = 35_000;
const WRITER_DEADLINE_MS = 45_000;

interface ReaderResult {
  good: number;
  torn: number;
  failed: number;
  backwards: number;
  changes: number;
  retries: number;
  lastSequence: number;
  elapsedMs: number;
  firstProblem: string | null;
}

after(cleanupAll);

test('two reader processes verify 1,000,000 reads each against a full-speed writer: zero torn', { timeout: 55_000 }, async (t) => {
  const name = uniqueShmName('stress');
  const writer = spawnNode(WRITER, [name, String(WRITER_DEADLINE_MS)]);
  await waitForOutput(writer, /^ready$/);
  const readers = [0, 1].map(() => spawnNode(READER, [name, String(TARGET_READS), String(MIN_CHANGES), String(READER_DEADLINE_MS)]));
  const lines = await Promise.all(readers.map((reader) => waitForOutput(reader, /^\{/, READER_DEADLINE_MS + 10_000)));
  const exits = await Promise.all(readers.map((reader) => waitForExit(reader)));
  assert.equal(writer.exitCode, null, 'the writer was still writing when the readers finished');
  await stopChild(writer);

  const results = lines.map((line) => JSON.parse(line) as ReaderResult);
  for (const [i, result] of results.entries()) {
    t.diagnostic(
      `reader ${i}: ${result.good} good, ${result.torn} torn, ${result.retries} retries, ` +
        `${result.changes} distinct updates seen, last ${result.lastSequence}, ${Math.round(result.elapsedMs)} ms`,
    );
    assert.equal(exits[i], 0, `reader ${i} exit`);
    assert.equal(result.torn, 0, `reader ${i} saw torn snapshots, first: ${result.firstProblem}`);
    assert.equal(result.backwards, 0, `reader ${i} saw the book go back in time`);
    assert.equal(result.failed, 0, `reader ${i} found no stable copy`);
    assert.ok(result.good >= TARGET_READS, `reader ${i} verified only ${result.good} reads before its deadline`);
    // The writer really raced the reader: it saw the book change many times mid-run.
    assert.ok(result.changes >= MIN_CHANGES, `reader ${i} saw only ${result.changes} distinct updates`);
  }
});
