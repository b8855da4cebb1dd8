/**
 * Credentials and TLS to the NATS server, against a real nats-server that requires them:
 * a user with a password (given by environment, never on the command line), an nkey user
 * (its seed in a file), and TLS with our own CA. Wrong credentials fail the start with
 * E_BUS_AUTH; a server certificate we cannot verify fails it with E_BUS_UNAVAILABLE; no
 * secret ever appears in a log line.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { setLogLevel } from '../../src/core/log.js';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer } from '../helpers/nats-server.js';

setLogLevel('warn');
after(cleanupAll);

const OPENSSL = spawnSync('openssl', ['version']).status === 0;
const SKIP = NATS_SKIP || (OPENSSL ? false : 'openssl is not installed (needed to make the test CA): bus TLS test skipped');
const PASSWORD = 'pw-9d1f-never-logged';

/** A CA and a server certificate for 127.0.0.1 signed by it, in `dir`. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const path = (name: string): string => join(dir, name);
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '1', '-subj', '/CN=ipct test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(path('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path('server.pem'), '-days', '1', '-extfile', path('san.ext')]);
  return { ca: path('ca.pem'), cert: path('server.pem'), key: path('server.key') };
}

/** An orderbook on the bus with `args`; resolves with its exit code and output once it is ready (then stopped) or has failed. */
async function tryOrderbook(url: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ready: boolean; code: number | string; output: string }> {
  const child = spawnCli(['orderbook', '--shm', uniqueShmName('bussec'), '--symbols', 'AAPL', '--bus', url, ...args], {
    env: { ...process.env, TRADING_BUS_PASSWORD: '', ...env },
  });
  let output = '';
  let ready = false;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    if (!ready && /orderbook +ready /.test(output)) {
      ready = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await waitForExit(child);
  clearTimeout(timer);
  return { ready, code, output };
}

test('a NATS server that requires TLS and credentials: user/password and nkey pass, wrong ones and an unknown CA do not', { skip: SKIP, timeout: 60_000 }, async () => {
  const dir = tempDir('bussec');
  const certs = makeCertificates(dir);
  const user = createUser();
  const seedFile = join(dir, 'user.nk');
  writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()) + '\n', { mode: 0o600 });
  const stranger = join(dir, 'stranger.nk');
  writeFileSync(stranger, new TextDecoder().decode(createUser().getSeed()) + '\n', { mode: 0o600 });
  const server = await startNatsServer({
    scheme: 'tls',
    config: [
      `tls { cert_file: "${certs.cert}", key_file: "${certs.key}" }`,
      `authorization { users = [ { user: "orderbook", password: "${PASSWORD}" }, { nkey: "${user.getPublicKey()}" } ] }`,
    ].join('\n'),
  });
  const tls = ['--bus-tls-ca', certs.ca];

  const withPassword = await tryOrderbook(server.url, [...tls, '--bus-user', 'orderbook'], { TRADING_BUS_PASSWORD: PASSWORD });
  assert.ok(withPassword.ready, withPassword.output);
  assert.equal(withPassword.code, 0);
  assert.match(withPassword.output, /busAuth=user:orderbook busTls=on/);
  assert.ok(!withPassword.output.includes(PASSWORD), 'the password is never logged');

  const withNkey = await tryOrderbook(server.url, [...tls, '--bus-nkey-seed-file', seedFile]);
  assert.ok(withNkey.ready, withNkey.output);
  assert.match(withNkey.output, /busAuth=nkey busTls=on/);
  assert.ok(!withNkey.output.includes('SU'), 'no seed in the logs');

  const wrongPassword = await tryOrderbook(server.url, [...tls, '--bus-user', 'orderbook'], { TRADING_BUS_PASSWORD: 'wrong' });
  assert.equal(wrongPassword.ready, false);
  assert.equal(wrongPassword.code, 1);
  assert.match(wrongPassword.output, /E_BUS_AUTH/);

  const unknownKey = await tryOrderbook(server.url, [...tls, '--bus-nkey-seed-file', stranger]);
  assert.equal(unknownKey.code, 1);
  assert.match(unknownKey.output, /E_BUS_AUTH/);

  const anonymous = await tryOrderbook(server.url, tls);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.output, /E_BUS_AUTH/);

  const unknownCa = await tryOrderbook(server.url, ['--bus-user', 'orderbook'], { TRADING_BUS_PASSWORD: PASSWORD });
  assert.equal(unknownCa.ready, false);
  assert.equal(unknownCa.code, 1);
  assert.match(unknownCa.output, /E_BUS_UNAVAILABLE/);
  await server.stop();
});
