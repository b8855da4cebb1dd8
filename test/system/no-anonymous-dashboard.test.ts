/**
 * `trading run --no-anonymous` still has a working dashboard: the dashboard's gateway
 * client (it runs in the supervisor) is provisioned a per-run secret like the other
 * children, proves the `dashboard` identity, and is served the gateway's stream, while an
 * anonymous client of the same gateway is refused.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForOutput } from '../helpers/resources.js';

after(cleanupAll);

function getJson(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    httpGet(url, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    }).on('error', reject);
  });
}

test('trading run --no-anonymous: the dashboard proves its own identity to the gateway and shows its stream; an anonymous client is refused', { timeout: 90_000 }, async () => {
  const dir = tempDir('no-anon-dash');
  const child = spawnCli([
    'run', '--no-anonymous', '--gateway-port', '0', '--order-manager-port', '0', '--dashboard-port', '0',
    '--shm', uniqueShmName('no-anon'), '--trade-log', join(dir, 'trades.log'), '--duration', '60',
  ]);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  try {
    const ready = await waitForOutput(child, /system ready/, 30_000);
    const url = /dashboard="?(http:\/\/[^\s"]+)/.exec(ready)?.[1] ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, ready);
    const gatewayPort = Number(/gatewayPort=(\d+)/.exec(ready)?.[1]);
    // the gateway took the dashboard as a proven identity
    await waitForOutput(child, /gateway\s+hello .*name=dashboard identity=dashboard/, 15_000);
    const deadline = Date.now() + 15_000;
    let state = await getJson(`${url}state.json`);
    while ((state['sources'] as { gateway?: string } | undefined)?.gateway !== 'connected' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await getJson(`${url}state.json`);
    }
    assert.equal((state['sources'] as { gateway?: string }).gateway, 'connected', JSON.stringify(state['sources']));
    // an anonymous client of the same gateway (a seed client) is refused: --no-anonymous holds
    const seed = connect({ port: gatewayPort, host: '127.0.0.1' });
    seed.on('error', () => undefined);
    await once(seed, 'connect');
    // it says nothing (as a seed client): the gateway sends it nothing and closes it after 5 s
    await waitForOutput(child, /gateway\s+session refused: closing client .*code=E_AUTH_REQUIRED/, 15_000);
    seed.destroy();
    assert.doesNotMatch(text, /session refused: closing client [^\n]*name=dashboard/);
    assert.equal(await stopChild(child), 0, text.slice(-3000));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
