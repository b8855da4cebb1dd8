/**
 * `trading dashboard`: the dashboard alone, against a system that is already running:
 * it reads the shared book, follows the trade log, and takes the gateway's news as one
 * more client. Read-only: it sends nothing to any component.
 */
import { describeSchema, loadConfig, parseHostPort } from '../config/schema.js';
import { runComponent, type Component, type Counters } from '../core/runtime.js';
import { dashboardSchema } from './dashboard-config.js';
import { startDashboard, type RunningDashboard } from './dashboard-server.js';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(describeSchema('dashboard', dashboardSchema) + '\n');
    return 0;
  }
  return runComponent('dashboard', (log) => {
    const { config } = loadConfig(dashboardSchema, { argv });
    const gateway = parseHostPort(config.gateway, '--gateway');
    const symbols = config.symbols?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    let running: RunningDashboard | undefined;
    const component: Component = {
      async start() {
        running = await startDashboard({
          host: config.host,
          port: config.port,
          token: config.token,
          shm: config.shm,
          tradeLog: config.tradeLog,
          symbols,
          gateway,
          log,
        });
        return { url: running.url };
      },
      async stop() {
        await running?.close();
      },
      counters(): Counters {
        const counters = running?.counters;
        if (counters === undefined) return {};
        return { browsers: counters.clients, frames_sent: counters.framesSent, frames_skipped: counters.framesSkipped, bytes_sent: counters.bytesSent };
      },
    };
    return component;
  });
}
