import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/core/errors.js';
import { ShmError, closeSegment, createSegment, maxSegmentBytes, openSegment, unlinkSegment } from '../../src/shm/native.js';
import { cleanupAll, spawnNode, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';
import { PATTERN_WORDS, answerWord, askWord } from './fixtures/pattern.js';

const PEER = fileURLToPath(new URL('./fixtures/shm-peer.js', import.meta.url));

after(cleanupAll);

function assertShmError(fn: () => unknown, code: ErrorCode, errno: string, shmName?: string): ShmError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ShmError, `expected a ShmError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.errno, errno);
  if (shmName !== undefined) {
    assert.equal(caught.shmName, shmName);
    assert.ok(caught.message.includes(shmName), `message names the segment: ${caught.message}`);
  }
  return caught;
}

describe('shm addon', () => {
  test('create, write, open elsewhere, read back, close, unlink', () => {
    const name = uniqueShmName('roundtrip');
    const created = createSegment(name, 4096);
    assert.equal(created.byteLength, 4096);
    const opened = openSegment(name);
    assert.equal(opened.byteLength, 4096, 'size comes from the segment');
    const a = new Uint32Array(created);
    const b = new Uint32Array(opened);
    assert.equal(b[10], 0, 'a new segment is zero-filled');
    Atomics.store(a, 10, 0xcafe_f00d);
    assert.equal(Atomics.load(b, 10), 0xcafe_f00d, 'two mappings share the same memory');
    new Float64Array(opened)[100] = 1.25;
    assert.equal(new Float64Array(created)[100], 1.25);
    closeSegment(created);
    closeSegment(opened);
    unlinkSegment(name);
    assert.equal(existsSync(`/dev/shm${name}`), false);
  });

  test('close detaches the buffer (views read empty) and is idempotent', () => {
    const name = uniqueShmName('close');
    const buffer = createSegment(name, 64);
    const view = new Int32Array(buffer);
    view[0] = 5;
    closeSegment(buffer);
    assert.equal(buffer.byteLength, 0);
    assert.equal(view.length, 0);
    assert.equal(view[0], undefined, 'a stale view reads nothing instead of faulting');
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('close refuses a buffer that is not a mapping', () => {
    assertShmError(() => closeSegment(new ArrayBuffer(8)), ErrorCode.SHM_INVALID, 'EINVAL');
  });

  test('create twice → EEXIST', () => {
    const name = uniqueShmName('twice');
    const buffer = createSegment(name, 128);
    assertShmError(() => createSegment(name, 128), ErrorCode.SHM_EXISTS, 'EEXIST', name);
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('open or unlink a missing name → ENOENT', () => {
    const name = uniqueShmName('missing');
    const err = assertShmError(() => openSegment(name), ErrorCode.SHM_NOT_FOUND, 'ENOENT', name);
    assert.equal(err.syscall, 'shm_open');
    assertShmError(() => unlinkSegment(name), ErrorCode.SHM_NOT_FOUND, 'ENOENT', name);
  });

  test('bad names are refused before any system call', () => {
    const bad = ['', '/', 'no-slash', '/a/b', '/.', '/..', `/${'x'.repeat(255)}`, '/nul\0byte'];
    for (const name of bad) {
      assertShmError(() => createSegment(name, 64), ErrorCode.SHM_INVALID, 'EINVAL');
      assertShmError(() => openSegment(name), ErrorCode.SHM_INVALID, 'EINVAL');
      assertShmError(() => unlinkSegment(name), ErrorCode.SHM_INVALID, 'EINVAL');
    }
    assertShmError(() => createSegment(42 as unknown as string, 64), ErrorCode.SHM_INVALID, 'EINVAL');
    // the longest valid name works
    const base = uniqueShmName('longest');
    const longest = base + 'l'.repeat(255 - base.length);
    try {
      closeSegment(createSegment(longest, 64));
    } finally {
      unlinkSegment(longest);
    }
  });

  test('bad sizes are refused before any system call (nothing is created)', () => {
    const name = uniqueShmName('size');
    for (const size of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, maxSegmentBytes() + 1, '64' as unknown as number]) {
      assertShmError(() => createSegment(name, size), ErrorCode.SHM_INVALID, 'EINVAL', name);
      assert.equal(existsSync(`/dev/shm${name}`), false, `size ${String(size)} left no entry`);
    }
  });

  test('the segment is owner-only (0600) even under a restrictive umask', () => {
    const name = uniqueShmName('mode');
    const previous = process.umask(0o277); // would leave 0400 without the fchmod
    let buffer: ArrayBuffer;
    try {
      buffer = createSegment(name, 64);
    } finally {
      process.umask(previous);
    }
    assert.equal(statSync(`/dev/shm${name}`).mode & 0o777, 0o600);
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('an unlinked segment stays mapped for whoever has it open', () => {
    const name = uniqueShmName('unlinked');
    const buffer = createSegment(name, 64);
    unlinkSegment(name);
    const view = new Uint32Array(buffer);
    view[1] = 7;
    assert.equal(view[1], 7);
    assertShmError(() => openSegment(name), ErrorCode.SHM_NOT_FOUND, 'ENOENT');
    closeSegment(buffer);
  });

  test('a mapping garbage collected without close is unmapped by its finalizer', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const prefix = uniqueShmName('gc');
    const mappedCount = (): number => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.includes(prefix)).length;
    (() => {
      for (let i = 0; i < 20; i++) {
        const name = `${prefix}-${i}`;
        new Uint8Array(createSegment(name, 1 << 16))[0] = 1;
        unlinkSegment(name); // the mapping alone keeps it alive now
      }
    })();
    assert.equal(mappedCount(), 20, 'mapped while referenced (or not yet collected)');
    for (let round = 0; round < 20 && mappedCount() > 0; round++) {
      gc();
      await nextTurn(); // the finalizer runs on a later turn of the event loop
    }
    assert.equal(mappedCount(), 0);
  });

  test('a child process sees the parent’s writes, and the parent sees the child’s', async () => {
    const name = uniqueShmName('peer');
    const buffer = createSegment(name, 8 * PATTERN_WORDS);
    const words = new Uint32Array(buffer);
    for (let i = 0; i < PATTERN_WORDS; i++) Atomics.store(words, i, askWord(i));
    const child = spawnNode(PEER, ['answer', name]);
    const answered = waitForOutput(child, /^answered$/);
    assert.equal(await waitForExit(child), 0);
    await answered;
    for (let i = 0; i < PATTERN_WORDS; i++) assert.equal(Atomics.load(words, PATTERN_WORDS + i), answerWord(i), `answer word ${i}`);
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('the parent sees a child’s segment and the child sees the parent’s answer', async () => {
    const name = uniqueShmName('peer-ask');
    const child = spawnNode(PEER, ['ask', name]);
    await waitForOutput(child, /^ready$/);
    const buffer = openSegment(name);
    const words = new Uint32Array(buffer);
    for (let i = 0; i < PATTERN_WORDS; i++) assert.equal(Atomics.load(words, i), askWord(i), `ask word ${i}`);
    const checked = waitForOutput(child, /^answer checked$/);
    for (let i = 0; i < PATTERN_WORDS; i++) Atomics.store(words, PATTERN_WORDS + i, answerWord(i));
    await checked;
    assert.equal(await waitForExit(child), 0);
    closeSegment(buffer);
    unlinkSegment(name);
  });
});
