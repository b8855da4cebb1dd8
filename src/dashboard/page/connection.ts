/**
 * The page's WebSocket: reconnects with backoff, tells the server where it was (instance
 * and cursor) so that only what it missed comes back, and acks every frame it handled.
 */
import type { FrameMessage } from '../wire.js';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

export interface ConnectionOptions {
  onFrame: (frame: FrameMessage) => void;
  onStatus: (status: ConnectionStatus, detail: string) => void;
}

export class DashboardConnection {
  readonly #options: ConnectionOptions;
  readonly #token: string | null;
  #instance = '';
  #cursor = 0;
  #attempt = 0;
  frames = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#token = new URLSearchParams(location.search).get('token');
  }

  start(): void {
    const params = new URLSearchParams();
    if (this.#token !== null) params.set('token', this.#token);
    if (this.#instance !== '') {
      params.set('instance', this.#instance);
      params.set('cursor', String(this.#cursor));
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws?${params.toString()}`);
    this.#options.onStatus(this.#attempt === 0 && this.frames === 0 ? 'connecting' : 'reconnecting', '');
    socket.onopen = () => {
      this.#attempt = 0;
      this.#options.onStatus('live', '');
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as FrameMessage;
      this.frames += 1;
      this.#instance = frame.instance;
      this.#cursor = frame.cursor;
      this.#options.onFrame(frame);
      socket.send('{"ack":1}');
    };
    socket.onclose = (event) => {
      this.#attempt += 1;
      const delayMs = Math.min(5000, 250 * 2 ** Math.min(this.#attempt, 5));
      this.#options.onStatus('reconnecting', event.reason !== '' ? event.reason : `retrying in ${Math.round(delayMs / 1000)} s`);
      setTimeout(() => this.start(), delayMs);
    };
  }
}
