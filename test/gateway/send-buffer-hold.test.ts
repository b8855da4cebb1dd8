/**
 * Where the kernel send buffer of a client on probation cannot be held (a kernel before 5.14,
 * no socket descriptor), the flood protection is weaker and the operator is told: one log
 * line per process naming the component and the reason, and the metrics
 * send_buffer_hold_unavailable{reason} and send_buffer_holds_missed.
 *
 * The unavailability is injected into a real gateway process: an LD_PRELOAD shim answers
 * SO_BUF_LOCK with ENOPROTOOPT, as a Linux before 5.14 does (it does not know the option).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, stopChild, tempDir } from '../helpers/resources.js';
import { until } from '../net/helpers.js';
import { Peer, startGateway, type GatewayProcess } from './helpers.js';

after(cleanupAll);

const SHIM = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#define SO_BUF_LOCK_OPTION 72
typedef int (*sockopt_get)(int, int, int, void *, socklen_t *);
typedef int (*sockopt_set)(int, int, int, const void *, socklen_t);
int getsockopt(int fd, int level, int name, void *value, socklen_t *length) {
  if (level == SOL_SOCKET && name == SO_BUF_LOCK_OPTION) { errno = ENOPROTOOPT; return -1; }
  return ((sockopt_get)dlsym(RTLD_NEXT, "getsockopt"))(fd, level, name, value, length);
}
int setsockopt(int fd, int level, int name, const void *value, socklen_t length) {
  if (level == SOL_SOCKET && name == SO_BUF_LOCK_OPTION) { errno = ENOPROTOOPT; return -1; }
  return ((sockopt_set)dlsym(RTLD_NEXT, "setsockopt"))(fd, level, name, value, length);
}
`;

/** The shim built into a temporary directory, or why it cannot be. */
function buildShim(): { path: string } | { skip: string } {
  const dir = tempDir('platform-shim');
  writeFileSync(join(dir, 'no-buf-lock.c'), SHIM);
  const path = join(dir, 'no-buf-lock.so');
  const built = spawnSync('cc', ['-shared', '-fPIC', '-o', path, join(dir, 'no-buf-lock.c'), '-ldl'], { encoding: 'utf8' });
  if (built.error !== undefined) return { skip: `no C compiler (cc) to build the LD_PRELOAD shim: ${built.error.message}` };
  if (built.status !== 0) return { skip: `the LD_PRELOAD shim did not build: ${built.stderr}` };
  return { path };
}

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

const HOLD_LINE = /WARN +gateway +kernel send buffers cannot be held: .*flood protection is weaker reason=(\S+)/g;

test('a kernel without SO_BUF_LOCK: the gateway says once, naming itself and the reason, and counts every client that goes unheld', async (t) => {
  const shim = buildShim();
  if ('skip' in shim) {
    t.skip(shim.skip);
    return;
  }
  const peers: Peer[] = [];
  let gateway: GatewayProcess | undefined;
  try {
    gateway = await startGateway(['--metrics-port', '0', '--slow-consumer', 'conflate'], 0, { env: { ...process.env, LD_PRELOAD: shim.path }, shmLabel: 'platform-hold' });
    const started = gateway;
    // known from the start, before any client: the listening socket answered for the kernel
    assert.deepEqual([...started.output().matchAll(HOLD_LINE)].map((m) => m[1]), ['kernel_before_5_14'], started.output());
    for (let i = 0; i < 3; i++) peers.push(new Peer(started.port));
    await Promise.all(peers.map((peer) => peer.connected));
    // read while the gateway writes: wait for one read that has both values of the publish
    let seen: Record<string, number> = {};
    await until(() => {
      seen = started.counters();
      return seen['send_buffer_holds_missed'] === 3 && seen['send_buffer_hold_unavailable'] === 1;
    }, 'three clients counted as unheld, the hold unavailable', 15_000).catch((err: Error) => {
      throw new Error(`${err.message}; last seen ${JSON.stringify(seen)}`);
    });
    const metricsPort = started.ready['metricsPort'];
    assert.equal(typeof metricsPort, 'number');
    const text = await scrape(metricsPort as number);
    assert.match(text, /^ipc_trading_send_buffer_hold_unavailable\{component="gateway",reason="kernel_before_5_14"\} 1$/m);
    assert.match(text, /^ipc_trading_send_buffer_holds_missed_total\{component="gateway"\} 3$/m);
    assert.equal([...started.output().matchAll(HOLD_LINE)].length, 1, 'one line per process, not one per client');
  } finally {
    for (const peer of peers) peer.destroy();
    if (gateway !== undefined) await stopChild(gateway.child);
  }
});

test('a kernel with SO_BUF_LOCK: no such line, no client unheld, no reason published', async () => {
  let gateway: GatewayProcess | undefined;
  let peer: Peer | undefined;
  try {
    gateway = await startGateway(['--metrics-port', '0', '--slow-consumer', 'conflate'], 0, { shmLabel: 'platform-hold' });
    const started = gateway;
    peer = new Peer(started.port);
    await peer.connected;
    // the publish that shows the client shows what its probation did
    await until(() => started.counters()['clients'] === 1, 'the client in the counters', 15_000);
    assert.equal(started.counters()['send_buffer_holds_missed'], 0);
    assert.equal(started.counters()['send_buffer_hold_unavailable'], undefined);
    const text = await scrape(started.ready['metricsPort'] as number);
    assert.doesNotMatch(text, /^ipc_trading_send_buffer_hold_unavailable\{/m);
    assert.equal([...started.output().matchAll(HOLD_LINE)].length, 0, started.output());
  } finally {
    peer?.destroy();
    if (gateway !== undefined) await stopChild(gateway.child);
  }
});
