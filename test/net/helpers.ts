/**
 * Test helpers for the net suites: a raw framed peer on plain node:net (so the endpoint
 * under test is checked against something that is not itself), condition waits with a
 * deadline, and a captured log.
 */
import { after, afterEach } from 'node:test';
import { connect, type Socket } from 'node:net';
import { setLogSink } from '../../src/core/log.js';
import { FrameDecoder, encodeFrame } from '../../src/protocol/framing.js';

/** Capture log lines instead of printing them; returns the live list. */
export function captureLogs(): string[] {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  return lines;
}

/** Resolve once `condition()` holds; reject after `timeoutMs` naming what was awaited. */
export function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (condition()) {
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      } else {
        setTimeout(poll, 2);
      }
    };
    poll();
  });
}

/** A server as the net tests close it: at once where it can (destroy), else close. */
export type ClosableServer = { destroy(): unknown } | { close(): unknown };

/**
 * Lists for what a test file opens (peers, sockets, servers), all destroyed after each test
 * whatever its outcome: call once at the top of the file and push into them (destroyAll does
 * it at once, for a test about to skip itself). Swept again at
 * the end of the file: node:test runs no afterEach hook for a test that skipped itself
 * (t.skip()), and a server such a test left listening kept the file from ever ending.
 */
export function destroyedAfterEach(): { peers: RawPeer[]; sockets: Socket[]; servers: ClosableServer[]; destroyAll: () => void } {
  const opened = { peers: [] as RawPeer[], sockets: [] as Socket[], servers: [] as ClosableServer[] };
  const destroyAll = (): void => {
    for (const peer of opened.peers.splice(0)) peer.destroy();
    for (const socket of opened.sockets.splice(0)) socket.destroy();
    for (const server of opened.servers.splice(0)) {
      if ('destroy' in server) server.destroy();
      else server.close();
    }
  };
  afterEach(destroyAll);
  after(destroyAll);
  return { ...opened, destroyAll };
}

export const frameOf = (text: string): Buffer => encodeFrame(Buffer.from(text, 'utf8'));

/** A plain socket peer that collects the frames it receives as strings. */
export class RawPeer {
  readonly socket: Socket;
  readonly frames: string[] = [];
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;
  ended = false;
  readonly #decoder = new FrameDecoder((buffer, offset, length) => this.frames.push(buffer.toString('utf8', offset, offset + length)));

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#decoder.push(chunk);
    });
    socket.on('error', () => undefined);
    this.connected = new Promise((resolve) => {
      if (socket.readyState === 'open') resolve();
      else socket.once('connect', () => resolve());
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('end', () => {
      this.ended = true;
    });
  }

  static connect(port: number): RawPeer {
    return new RawPeer(connect({ port, host: '127.0.0.1' }));
  }

  send(text: string): void {
    this.socket.write(frameOf(text));
  }

  /** Resolve once `count` frames have arrived in total. */
  waitFrames(count: number, timeoutMs = 5_000): Promise<void> {
    return until(() => this.frames.length >= count, `${count} frames (have ${this.frames.length})`, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
