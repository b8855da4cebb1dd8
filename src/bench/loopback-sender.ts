/**
 * First of the three-process chain floor (loopback-chain.ts): connects to the port in
 * argv[2] and sends argv[4] 64-byte messages, one per argv[3] ms timer, each stamped with
 * CLOCK_MONOTONIC ns (float64, little-endian, at offset 0) the moment it goes out. Exits
 * when done or when the connection goes.
 */
import { connect } from 'node:net';
import { monotonicNs } from '../core/clock.js';

const MESSAGE_BYTES = 64;
const intervalMs = Number(process.argv[3]);
const count = Number(process.argv[4]);
const message = Buffer.alloc(MESSAGE_BYTES);
const socket = connect(Number(process.argv[2]), '127.0.0.1');
socket.setNoDelay(true);
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
socket.on('connect', () => {
  let sent = 0;
  const send = (): void => {
    message.writeDoubleLE(monotonicNs(), 0);
    socket.write(message);
    if (++sent < count) setTimeout(send, intervalMs);
    else socket.end();
  };
  send();
});
