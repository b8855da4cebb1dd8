/**
 * Helpers for the gateway and orderbook suites: a real `trading gateway` process on an
 * ephemeral port (its readiness over IPC, its counters from its counters segment, as the
 * supervisor sees them), and raw framed peers
 * built on plain node:net, so the gateway is checked against something that is not itself.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { ComponentReport } from '../../src/core/runtime.js';
import { FrameDecoder, encodeFrame } from '../../src/protocol/framing.js';
import { spawnCli, uniqueShmName, waitForOutput } from '../helpers/resources.js';
import { readComponentCounters } from '../helpers/counters.js';

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  pid: number;
  output: () => string;
  /** Its counters now, read from its counters segment (empty once it is gone). */
  counters: () => Record<string, number>;
  ready: Record<string, unknown>;
}

/**
 * Start `trading gateway --port 0 ...args` with an IPC channel; resolves once it is ready.
 * `env`: its environment in place of ours; `shmLabel`: in its counters segment's name.
 */
export async function startGateway(args: readonly string[], port = 0, options: { env?: NodeJS.ProcessEnv; shmLabel?: string } = {}): Promise<GatewayProcess> {
  // its own counters segment: gateways of parallel tests never share one
  const shm = uniqueShmName(options.shmLabel ?? 'gateway');
  const env = options.env === undefined ? {} : { env: options.env };
  const child = spawnCli(['gateway', '--port', String(port), '--shm', shm, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], ...env });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on('message', (message: ComponentReport) => {
      if (message.kind === 'ready') resolve(message.details);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before ready:\n${text}`)));
  });
  const details = await ready;
  assert(typeof details['port'] === 'number' && details['port'] > 0, `ready details carry the bound port: ${JSON.stringify(details)}`);
  return { child, port: details['port'], pid: child.pid ?? 0, output: () => text, counters: () => readComponentCounters(shm, 'gateway'), ready: details };
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Resident set size of a process, bytes, from /proc. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Number(match[1]) * 1024;
}

/** A framed peer on a plain socket; hands each payload to `onPayload` (a view, valid during the call). */
export class Peer {
  readonly socket: Socket;
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;
  frames = 0;
  readonly #decoder: FrameDecoder;

  constructor(port: number, onPayload: (payload: Buffer) => void = () => undefined) {
    this.#decoder = new FrameDecoder((buffer, offset, length) => {
      this.frames++;
      onPayload(buffer.subarray(offset, offset + length));
    }, { maxFrameBytes: 16 * 1024 * 1024 });
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => void this.#decoder.push(chunk));
    this.socket.on('error', () => undefined);
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  sendPayload(payload: Uint8Array): void {
    this.socket.write(encodeFrame(payload));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Poll `condition` every 5 ms until it holds; reject after `timeoutMs` naming `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export { waitForOutput };
