import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ComponentReport } from '../../src/core/runtime.js';
import { cleanupAll, stopChild, waitForExit } from '../helpers/resources.js';

after(cleanupAll);

const FIXTURE = fileURLToPath(new URL('./fixtures/component.js', import.meta.url));

function runFixture(mode: string): { messages: ComponentReport[]; child: ReturnType<typeof fork>; stderr: () => string } {
  const child = fork(FIXTURE, [mode], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const messages: ComponentReport[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('message', (message) => messages.push(message as ComponentReport));
  return { messages, child, stderr: () => stderr };
}

test('a component reports ready, and its stop() runs before the exit after a graceful stop', async () => {
  const { child, messages, stderr } = runFixture('ok');
  await new Promise<void>((resolve) => child.on('message', (m) => (m as ComponentReport).kind === 'ready' && resolve()));
  assert.deepEqual(messages[0], { kind: 'ready', component: 'fixture', details: { port: 1234 } });
  child.send({ kind: 'shutdown' });
  assert.equal(await waitForExit(child), 0);
  assert.equal(messages.filter((m) => m.kind !== 'ready').length, 0, 'nothing but ready goes to the supervisor: counters are in shared memory');
  assert.match(stderr(), /INFO {2}fixture +ready port=1234/);
  assert.match(stderr(), /stopped/);
});

test('SIGTERM stops a component gracefully', async () => {
  const { child } = runFixture('ok');
  await new Promise<void>((resolve) => child.on('message', (m) => (m as ComponentReport).kind === 'ready' && resolve()));
  assert.equal(await stopChild(child), 0);
});

test('a start failure is one line with its code, reported to the supervisor, exit 1', async () => {
  const { child, messages, stderr } = runFixture('fail-start');
  assert.equal(await waitForExit(child), 1);
  assert.deepEqual(messages.find((m) => m.kind === 'failed'), {
    kind: 'failed',
    component: 'fixture',
    code: 'E_PORT_IN_USE',
    message: 'E_PORT_IN_USE: port 1 is in use',
  });
  assert.match(stderr(), /failed to start: E_PORT_IN_USE: port 1 is in use/);
  assert.doesNotMatch(stderr(), /\n\s+at /, 'no stack trace');
});

test('control.fail stops a running component gracefully with its code, reported, exit 1', async () => {
  const { child, messages, stderr } = runFixture('fail-running');
  assert.equal(await waitForExit(child), 1);
  assert.deepEqual(
    messages.map((m) => m.kind),
    ['ready', 'failed'],
  );
  const failed = messages.find((m): m is Extract<ComponentReport, { kind: 'failed' }> => m.kind === 'failed');
  assert.equal(failed?.code, 'E_TRADE_LOG_UNWRITABLE');
  assert.match(stderr(), /INFO {2}fixture +stopped/, 'stop() ran');
  assert.match(stderr(), /failed: E_TRADE_LOG_UNWRITABLE: disk gone/);
  assert.match(stderr(), /stopping reason=failed/);
});

test('a component whose supervisor vanishes stops by itself', async () => {
  const { child } = runFixture('ok');
  await new Promise<void>((resolve) => child.on('message', (m) => (m as ComponentReport).kind === 'ready' && resolve()));
  child.disconnect();
  assert.equal(await waitForExit(child), 0);
});
