/**
 * `trading dashboard`: the dashboard alone, against a system that is already running:
 * it reads the shared book, follows the trade log, and takes the gateway's news as one
 * more client. Read-only: it sends nothing to any component.
 */
import { clientSessionSettings } from '../session/session-options.js';
import { componentCommand } from '../command/command.js';
import { parseHostPort } from '../config/schema.js';
import type { Component } from '../core/runtime.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import { countersHealthSource } from './counters-health.js';
import { dashboardSchema } from './dashboard-config.js';
import { startDashboard, type RunningDashboard } from './dashboard-server.js';

function parseSymbols(text: string | undefined, problems: string[]): string[] | undefined {
  if (text === undefined) return undefined;
  const symbols = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (symbols.length === 0 || symbols.some((s) => !SYMBOL_PATTERN.test(s))) {
    problems.push(`--symbols: expected symbols of 1-8 characters A-Z 0-9 . _ -, got "${text}"`);
    return undefined;
  }
  return symbols;
}

export const main = componentCommand({
  name: 'dashboard',
  schema: dashboardSchema,
  settle: (config, problems) => ({ ...config, gateway: parseHostPort(config.gateway, '--gateway'), symbols: parseSymbols(config.symbols, problems) }),
  component: (config, { log }): Component => {
    const session = clientSessionSettings({ ...config, helloTimeoutMs: 0 });
    let running: RunningDashboard | undefined;
    return {
      async start() {
        running = await startDashboard({
          host: config.host,
          port: config.port,
          token: config.token,
          shm: config.shm,
          tradeLog: config.tradeLog,
          symbols: config.symbols,
          // the secret (of the `dashboard` identity) and TLS for the gateway, loaded here: a bad file fails the start in one line
          gateway: { ...config.gateway, authToken: session.token, tls: session.tls },
          health: countersHealthSource(config.shm),
          log,
        });
        return { url: running.url };
      },
      async stop() {
        await running?.close();
      },
    };
  },
});
