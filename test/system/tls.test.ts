/**
 * TLS between hosts, with credentials: gateway → orderbook and strategy → order manager as
 * real processes over TLS (certificates made here with openssl: a CA, a server certificate
 * for 127.0.0.1, and a second CA nobody trusts), every server with an auth file and
 * --no-anonymous. A client with the wrong CA, no token or a wrong token is refused with a
 * clear error.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret, hashSecret } from '../../src/session/credentials.js';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForOutput } from '../helpers/resources.js';
import { StrategyChild } from '../strategy/process-fakes.js';

after(cleanupAll);

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Certificates {
  ca: string;
  cert: string;
  key: string;
  otherCa: string;
  clientCert: string;
  clientKey: string;
}

function makeCertificates(dir: string): Certificates {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=ipc-trading test CA');
  openssl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '1', '-subj', '/CN=a CA nobody trusts');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext');
  // a client certificate, for servers that require one
  openssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=orderbook');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1');
  return {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
    otherCa: join(dir, 'other-ca.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  };
}

function started(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const child = spawnCli(args, { env: { ...process.env, ...env } });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

async function portOf(process: { child: ChildProcess; output: () => string }, name: string): Promise<number> {
  const line = await waitForOutput(process.child, new RegExp(`${name} +ready .*port=\\d+`), 20_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${process.output()}`);
  });
  return Number(/port=(\d+)/.exec(line)?.[1]);
}

async function refusedWith(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const client = started(args, env);
  try {
    await waitForOutput(client.child, pattern, 15_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${client.output()}`);
    });
    return client.output();
  } finally {
    await stopChild(client.child);
  }
}

test('TLS with credentials: gateway → orderbook and strategy → order manager; wrong CA, no token and a wrong token refused', { timeout: 120_000, skip: hasOpenssl() ? false : 'openssl is not installed' }, async () => {
  const dir = tempDir('tls');
  const certs = makeCertificates(dir);
  const orderbookSecret = generateSecret();
  const strategySecret = generateSecret();
  const authFile = join(dir, 'auth');
  writeFileSync(authFile, `${await hashSecret('orderbook', orderbookSecret)}\n${await hashSecret('strategy', strategySecret)}\n`, { mode: 0o600 });
  const strategyToken = join(dir, 'strategy.token');
  writeFileSync(strategyToken, `${strategySecret}\n`, { mode: 0o600 });
  const wrongToken = join(dir, 'wrong.token');
  writeFileSync(wrongToken, `${generateSecret()}\n`, { mode: 0o600 });
  const shm = uniqueShmName('tls');
  const serverTls = ['--tls-cert', certs.cert, '--tls-key', certs.key, '--auth-file', authFile, '--no-anonymous'];
  const gateway = started(['gateway', '--port', '0', '--symbols', 'AAPL,MSFT', '--rate', '50', ...serverTls]);
  const children: ChildProcess[] = [gateway.child];
  try {
    const gatewayPort = await portOf(gateway, 'gateway');
    const orderbook = started(['orderbook', '--gateway', `127.0.0.1:${gatewayPort}`, '--shm', shm, '--tls-ca', certs.ca], { TRADING_AUTH_TOKEN: orderbookSecret });
    children.push(orderbook.child);
    await waitForOutput(orderbook.child, /orderbook +ready/, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${orderbook.output()}\n${gateway.output()}`);
    });
    assert.match(orderbook.output(), /session open name=orderbook server=gateway mode=binary/);
    assert.match(gateway.output(), /hello client=\d+ .*identity=orderbook mode=binary/);
    const om = started(['ordermanager', '--port', '0', '--shm', shm, '--trade-log', join(dir, 'trades.log'), ...serverTls]);
    children.push(om.child);
    const omPort = await portOf(om, 'ordermanager');

    const strategy = new StrategyChild([
      '--gateway', `127.0.0.1:${gatewayPort}`,
      '--order-manager', `127.0.0.1:${omPort}`,
      '--shm', shm,
      '--strategy', 'imbalance',
      '--tls-ca', certs.ca,
      '--auth-token-file', strategyToken,
      '--counters-interval-ms', '50',
    ]);
    children.push(strategy.child);
    await strategy.waitReady(20_000);
    await strategy.waitForOutput(/strategy\.ordermanager\s+session open .*mode=binary/);
    await strategy.waitForOutput(/strategy\.gateway\s+session open .*mode=binary/);
    // orders flow over TLS and are answered
    await strategy.waitForCounters((c) => (c['execution_reports'] ?? 0) > 0, 'execution reports over TLS', 40_000);
    assert.match(om.output(), /session open client=\d+ name=strategy identity=strategy mode=binary/);

    // the wrong CA: the handshake fails, and says why
    const wrongCa = await refusedWith(['orderbook', '--gateway', `127.0.0.1:${gatewayPort}`, '--shm', uniqueShmName('tls-wrong'), '--tls-ca', certs.otherCa], /E_TLS_FAILED/, { TRADING_AUTH_TOKEN: orderbookSecret });
    assert.match(wrongCa, /not signed by the CA given with --tls-ca/);
    // no token, and a wrong one: the order manager refuses the claim
    const strategyArgs = ['strategy', '--gateway', `127.0.0.1:${gatewayPort}`, '--order-manager', `127.0.0.1:${omPort}`, '--shm', shm, '--tls-ca', certs.ca];
    const noToken = await refusedWith(strategyArgs, /the server refused our session .*code=E_AUTH_FAILED/);
    assert.match(noToken, /needs its secret: no auth_token given/);
    const wrong = await refusedWith([...strategyArgs, '--auth-token-file', wrongToken], /the server refused our session .*code=E_AUTH_FAILED/);
    assert.match(wrong, /wrong secret/);
    // plain TCP to a TLS server gets nowhere either
    const plain = await refusedWith(['orderbook', '--gateway', `127.0.0.1:${gatewayPort}`, '--shm', uniqueShmName('tls-plain')], /connect|disconnected|bad frame/, { TRADING_AUTH_TOKEN: orderbookSecret });
    assert.doesNotMatch(plain, /session open/);

    // a server that requires client certificates: one signed by its CA gets in, none does not
    const strict = started(['gateway', '--port', '0', '--symbols', 'AAPL', ...serverTls, '--tls-ca', certs.ca]);
    children.push(strict.child);
    const strictPort = await portOf(strict, 'gateway');
    const withCert = started(['orderbook', '--gateway', `127.0.0.1:${strictPort}`, '--shm', uniqueShmName('tls-client-cert'), '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey], { TRADING_AUTH_TOKEN: orderbookSecret });
    children.push(withCert.child);
    await waitForOutput(withCert.child, /session open name=orderbook server=gateway mode=binary/, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${withCert.output()}\n${strict.output()}`);
    });
    await refusedWith(['orderbook', '--gateway', `127.0.0.1:${strictPort}`, '--shm', uniqueShmName('tls-no-cert'), '--tls-ca', certs.ca], /disconnected|connect failed/, { TRADING_AUTH_TOKEN: orderbookSecret });
    await eventually(() => /TLS handshake failed: connection refused .*code=E_TLS_FAILED/.test(strict.output()), `the refusal in the server log\n${strict.output()}`);

    assert.equal(await stopChild(strategy.child), 0);
    for (const secret of [orderbookSecret, strategySecret]) {
      assert.ok(!gateway.output().includes(secret) && !om.output().includes(secret), 'no secret in a log');
    }
  } finally {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        await stopChild(child);
      }
    }
  }
});

/** Polls `condition` (over output already collected) until it holds; throws `what` after timeoutMs. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
