// Every `trading` subcommand behaves the same at its edges (src/command/command.ts):
// -h and --help print the options and exit 0; an unknown flag exits 2 naming it, together
// with every other bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { runCli, type CliResult } from '../helpers/cli.js';
import { CLI_PATH, cleanupAll } from '../helpers/resources.js';

after(cleanupAll);

// every command `trading --help` lists, so a command added later is held to the same edges
const usage = spawnSync(process.execPath, [CLI_PATH, '--help'], { encoding: 'utf8' }).stdout;
const COMMANDS = [...usage.slice(usage.indexOf('commands:')).matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((match) => match[1] ?? '');
// the commands whose options include --shm, to show a bad value is named beside unknown flags
const WITH_SHM = new Set(['orderbook', 'ordermanager', 'strategy', 'run', 'dashboard']);

test('trading --help lists the commands', () => {
  for (const command of ['gateway', 'orderbook', 'ordermanager', 'strategy', 'run', 'bench']) assert.ok(COMMANDS.includes(command), command);
});

function trading(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...process.env, TRADING_SHM: '' } });
}

for (const command of COMMANDS) {
  test(`trading ${command} -h and --help print its options and exit 0`, async () => {
    for (const flag of ['-h', '--help']) {
      const result = await trading([command, flag]);
      assert.equal(result.code, 0, `${command} ${flag}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^usage: trading ${command} \\[options\\]`));
    }
  });

  test(`trading ${command} with unknown flags exits 2 naming each, and any bad value beside them`, async () => {
    const badValue = WITH_SHM.has(command) ? ['--shm', 'no-slash'] : [];
    const result = await trading([command, '--no-such-flag', '--another-one=3', ...badValue]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /E_CONFIG_INVALID/);
    assert.match(result.stderr, /--no-such-flag/);
    assert.match(result.stderr, /--another-one/);
    if (badValue.length > 0) assert.match(result.stderr, /--shm: "no-slash" is not a shared-memory name/);
  });
}

test('a flag that needs a value, given none, and a stray argument are named', async () => {
  const result = await trading(['gateway', 'extra', '--port']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /unexpected argument 'extra'/);
  assert.match(result.stderr, /--port: needs a value/);
});
