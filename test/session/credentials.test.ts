import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore, generateSecret, hashSecret, parseCredentials } from '../../src/session/credentials.js';
import { SessionPolicy, isLoopbackAddress } from '../../src/session/session-policy.js';
import { MessageType, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { cleanupAll, spawnCli, tempDir, waitForExit } from '../helpers/resources.js';

after(cleanupAll);

test('a hashed secret proves its identity, and nothing else does', async () => {
  const secret = generateSecret();
  const line = await hashSecret('strategy', secret);
  assert.ok(!line.includes(secret), 'the file never holds the secret');
  const again = await hashSecret('strategy', secret);
  assert.notEqual(line, again, 'a fresh salt each time');
  const store = new CredentialStore(parseCredentials(`# comment\n\n${line}\n`, 'test'));
  assert.equal(await store.verify('strategy', secret), true);
  assert.equal(await store.verify('strategy', generateSecret()), false);
  assert.equal(await store.verify('strategy', ''), false);
  assert.equal(await store.verify('strategy', 'x'.repeat(1000)), false);
  assert.equal(await store.verify('orderbook', secret), false, 'an unknown identity');
});

test('a bad auth file is refused naming every bad line, never its content', async () => {
  const good = await hashSecret('a', 'secret-a');
  const text = ['not a line', good, good.replace(/^a:/, 'b:').replace(':16384:', ':1000:'), good, 'bad name!:scrypt:16384:8:1:AAAAAAAAAAA:AAAA'].join('\n');
  assert.throws(
    () => parseCredentials(text, 'auth'),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_AUTH_FILE_INVALID');
      assert.match(error.message, /line 1: expected/);
      assert.match(error.message, /line 3: cost must be a power of two/);
      assert.match(error.message, /line 4: identity a is listed twice/);
      assert.match(error.message, /line 5: the identity is not/);
      assert.ok(!error.message.includes(good.split(':')[6] ?? '?'), 'no hash in the message');
      return true;
    },
  );
  assert.throws(() => parseCredentials('# nothing\n', 'empty'), /holds no identity/);
});

test('the policy: claims need proof, anonymous clients only from loopback unless told otherwise', async () => {
  const secret = generateSecret();
  const store = new CredentialStore(parseCredentials(await hashSecret('strategy', secret), 'test'));
  const hello = (clientName: string, authToken?: string) => ({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName, binary: true, ...(authToken === undefined ? {} : { authToken }) });
  const policy = new SessionPolicy({ credentials: store });
  assert.deepEqual(await policy.admit(hello('strategy', secret), '127.0.0.1'), { ok: true, identity: 'strategy' });
  assert.equal((await policy.admit(hello('strategy'), '127.0.0.1')).ok, false);
  assert.equal((await policy.admit(hello('strategy', 'wrong'), '127.0.0.1')).ok, false);
  assert.deepEqual(await policy.admit(hello('someone'), '127.0.0.1'), { ok: true, identity: undefined });
  const remote = await policy.admit(hello('someone'), '10.1.2.3');
  assert.equal(remote.ok === false && remote.code, 'E_AUTH_REQUIRED');
  assert.equal(new SessionPolicy({ anonymous: false }).admitAnonymous('127.0.0.1').ok, false);
  assert.equal(new SessionPolicy({ insecure: true }).admitAnonymous('10.1.2.3').ok, true);
  const noCredentials = await new SessionPolicy().admit(hello('strategy', secret), '127.0.0.1');
  assert.equal(noCredentials.ok === false && noCredentials.code, 'E_AUTH_FAILED');
  assert.throws(() => new SessionPolicy().checkBind('0.0.0.0', 'test'), /E_INSECURE_BIND|refusing to listen/);
  new SessionPolicy({ credentials: store }).checkBind('0.0.0.0', 'test');
  new SessionPolicy({ insecure: true }).checkBind('0.0.0.0', 'test');
  new SessionPolicy().checkBind('127.0.0.1', 'test');
  assert.ok(isLoopbackAddress('::ffff:127.0.0.1') && isLoopbackAddress('::1') && !isLoopbackAddress('192.168.1.1'));
});

test('trading auth add writes a hash to the auth file and the secret once, both owner-only', async () => {
  const dir = tempDir('auth-add');
  const authFile = join(dir, 'auth');
  const tokenFile = join(dir, 'strategy.token');
  const child = spawnCli(['auth', '--add', 'strategy', '--auth-file', authFile, '--token-file', tokenFile]);
  assert.equal(await waitForExit(child), 0);
  const secret = readFileSync(tokenFile, 'utf8').trim();
  assert.equal(statSync(authFile).mode & 0o777, 0o600);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  assert.ok(await CredentialStore.fromFile(authFile).verify('strategy', secret));
  const twice = spawnCli(['auth', '--add', 'strategy', '--auth-file', authFile]);
  assert.equal(await waitForExit(twice), 1, 'an identity is added once');
});

test('a gateway bound beyond loopback without credentials does not start', async () => {
  const child = spawnCli(['gateway', '--host', '0.0.0.0', '--port', '0']);
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  assert.equal(await waitForExit(child), 1);
  assert.match(text, /E_INSECURE_BIND/);
});
