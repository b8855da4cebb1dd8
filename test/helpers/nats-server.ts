/**
 * A real nats-server for tests: started on a free port (the server picks it: -p -1), with
 * JetStream in a temporary store directory, ready when it says so (no sleeps), stopped by
 * pid, and killed at cleanup whatever happens (it is a tracked child). `restart()` stops it
 * and starts it again on the same port with the same store, as an operator's restart does;
 * `crash()` kills it without a graceful shutdown first.
 *
 * Tests skip with a clear message where the binary is missing (`.ci/run` installs it).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, tempDir, waitForExit } from './resources.js';

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

/** The nats-server binary, or undefined where it is not installed. */
export function natsServerBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    const found = execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
    return found === '' ? undefined : found;
  } catch {
    return undefined;
  }
}

export const NATS_SKIP = natsServerBinary() === undefined ? 'nats-server is not installed (apt-get install nats-server; .ci/run does it): bus tests skipped' : false;

export async function startNatsServer(options: NatsServerOptions = {}): Promise<TestNatsServer> {
  const binary = natsServerBinary();
  if (binary === undefined) throw new Error('nats-server is not installed');
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
    const text = await readUntilReady(started);
    const match = /Listening for client connections on \S*:(\d+)/.exec(text);
    if (match === null) throw new Error(`nats-server: cannot read its port from its output:\n${text}`);
    port = Number(match[1]);
    // keep reading its output, so a chatty server never blocks on a full pipe
    started.stdout?.resume();
    started.stderr?.resume();
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

/** Everything the server printed until "Server is ready"; rejects if it exits first or takes 15 s. */
function readUntilReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (text.includes('Server is ready')) {
        finish();
        resolve(text);
      }
    };
    const onExit = (code: number | null): void => {
      finish();
      reject(new Error(`nats-server exited (${code}) before it was ready:\n${text}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`nats-server not ready after 15 s:\n${text}`));
    }, 15_000);
    const finish = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}
