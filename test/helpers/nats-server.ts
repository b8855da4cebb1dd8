/**
 * A real nats-server for tests: started on a free port (the server picks it: -p -1), with
 * JetStream in a temporary store directory, ready when it says so (no sleeps), stopped by
 * pid, and killed at cleanup whatever happens (it is a tracked child). `restart()` stops it
 * and starts it again on the same port with the same store, as an operator's restart does;
 * `crash()` kills it without a graceful shutdown first.
 *
 * Tests skip with a clear message where the binary is missing (tools.ts; `.ci/run` installs it).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectOutput, spawnTracked, tempDir, waitForExit, waitForOutput } from './resources.js';
import { NATS_SERVER, findTool, toolSkip } from './tools.js';

export interface NatsServerOptions {
  /** Extra configuration file text (authorization, tls blocks). */
  config?: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Run the server with this wrapper, e.g. ['ip', 'netns', 'exec', NAME]. */
  prefix?: readonly string[];
  /** URL scheme clients use (tls when the config turns TLS on). */
  scheme?: 'nats' | 'tls';
}

export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly pid: number;
  stop(): Promise<void>;
  /** Kill it at once (SIGKILL: no goodbye to its clients), as a crash does; restart() brings it back. */
  crash(): Promise<void>;
  restart(): Promise<void>;
}

/** Why the bus tests skip here, or false. */
export const NATS_SKIP = toolSkip(NATS_SERVER);

export async function startNatsServer(options: NatsServerOptions = {}): Promise<TestNatsServer> {
  const binary = findTool(NATS_SERVER);
  if (binary === undefined) throw new Error(String(toolSkip(NATS_SERVER)));
  const dir = tempDir('nats');
  const storeDir = join(dir, 'js');
  const configPath = join(dir, 'server.conf');
  writeFileSync(configPath, options.config ?? '');
  const host = options.host ?? '127.0.0.1';
  const prefix = options.prefix ?? [];
  let port = -1;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = ['-c', configPath, '-a', host, '-p', String(port), '-js', '-sd', storeDir];
    const [command, ...rest] = [...prefix, binary, ...args];
    const started = spawnTracked(command as string, rest);
    child = started;
    // read all it says (so a chatty server never blocks on a full pipe), kept for the messages below
    const output = collectOutput(started);
    await waitForOutput(started, /Server is ready/, 15_000).catch((err: unknown) => {
      throw new Error(`nats-server not ready: ${String(err)}\n${output()}`);
    });
    const match = /Listening for client connections on \S*:(\d+)/.exec(output());
    if (match === null) throw new Error(`nats-server: cannot read its port from its output:\n${output()}`);
    port = Number(match[1]);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = waitForExit(running);
    running.kill(signal);
    await exited;
  };
  await launch();
  const scheme = options.scheme ?? 'nats';
  return {
    get url() {
      return `${scheme}://${host}:${port}`;
    },
    get port() {
      return port;
    },
    storeDir,
    get pid() {
      return child?.pid ?? 0;
    },
    stop: () => stop(),
    crash: () => stop('SIGKILL'),
    async restart() {
      await stop();
      await launch();
    },
  };
}
