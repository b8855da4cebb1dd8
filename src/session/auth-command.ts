/**
 * `trading auth --add NAME --auth-file FILE [--token-file FILE]`: make a fresh random secret
 * for identity NAME, append its salted scrypt hash to the servers' auth file (created 0600),
 * and hand the secret over once: into --token-file (created 0600, for the client's
 * --auth-token-file) or else on stdout. The secret itself is stored nowhere else.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { taskCommand } from '../command/command.js';
import type { Schema } from '../config/schema.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { generateSecret, hashSecret, loadCredentials } from './credentials.js';

export const authSchema = {
  add: { kind: 'string', env: 'TRADING_AUTH_ADD', description: 'the identity to add (a fresh secret is made for it)' },
  authFile: { kind: 'string', description: 'the servers\' auth file to append its hash to (created 0600)' },
  tokenFile: { kind: 'optional-string', description: 'write the secret here (created 0600) rather than on stdout' },
} as const satisfies Schema;

export const main = taskCommand({
  name: 'auth',
  schema: authSchema,
  configFlag: '',
  task: async (config) => {
    const name = config.add;
    const authFile = config.authFile;
    if (existsSync(authFile) && loadCredentials(authFile).has(name)) {
      throw new TradingError(ErrorCode.AUTH_FILE_INVALID, `identity ${name} is already in ${authFile}: remove its line first to replace its secret`);
    }
    const secret = generateSecret();
    const line = await hashSecret(name, secret);
    appendFileSync(authFile, `${line}\n`, { mode: 0o600 });
    if (config.tokenFile !== undefined) {
      writeFileSync(config.tokenFile, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      process.stderr.write(`identity ${name} added to ${authFile}; its secret is in ${config.tokenFile}\n`);
    } else {
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`identity ${name} added to ${authFile}; its secret is above (shown once)\n`);
    }
    return 0;
  },
});
