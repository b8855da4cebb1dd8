/**
 * `trading auth add NAME --auth-file FILE [--token-file FILE]`: make a fresh random secret
 * for identity NAME, append its salted scrypt hash to the servers' auth file (created 0600),
 * and hand the secret over once: into --token-file (created 0600, for the client's
 * --auth-token-file) or else on stdout. The secret itself is stored nowhere else.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { generateSecret, hashSecret, loadCredentials } from './credentials.js';

const USAGE = 'usage: trading auth add NAME --auth-file FILE [--token-file FILE]';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { 'auth-file': { type: 'string' }, 'token-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`trading auth: ${ErrorCode.CONFIG_INVALID}: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [verb, name, ...rest] = parsed.positionals;
  const authFile = parsed.values['auth-file'];
  if (verb !== 'add' || name === undefined || rest.length > 0 || authFile === undefined) {
    process.stderr.write(`trading auth: ${ErrorCode.CONFIG_INVALID}: ${USAGE}\n`);
    return 2;
  }
  try {
    if (existsSync(authFile) && loadCredentials(authFile).has(name)) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `identity ${name} is already in ${authFile}: remove its line first to replace its secret`);
    }
    const secret = generateSecret();
    const line = await hashSecret(name, secret);
    appendFileSync(authFile, `${line}\n`, { mode: 0o600 });
    const tokenFile = parsed.values['token-file'];
    if (tokenFile !== undefined) {
      writeFileSync(tokenFile, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      process.stderr.write(`identity ${name} added to ${authFile}; its secret is in ${tokenFile}\n`);
    } else {
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`identity ${name} added to ${authFile}; its secret is above (shown once)\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`trading auth: ${describeError(error)}\n`);
    return 1;
  }
}
