/**
 * Child of the bare order-to-ack measurement (bare-ack-floor.ts): the order manager's
 * durable path with nothing of ours around it. Serves one connection on 127.0.0.1: each
 * read's 16-byte messages get one 330-byte line each, appended with one write and one
 * fdatasync on the main thread (an isolated order's commit), then are written back. argv[2]
 * is the file; its port goes to the parent over IPC; the file is removed when the
 * connection closes.
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';

const MESSAGE_BYTES = 16;
const LINE_BYTES = 330;
const path = process.argv[2] ?? '';
const fd = openSync(path, 'a');
let lines = Buffer.alloc(LINE_BYTES * 64, 0x78);
let pending: Buffer = Buffer.alloc(0);

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk: Buffer) => {
    const bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const whole = bytes.length - (bytes.length % MESSAGE_BYTES);
    pending = bytes.subarray(whole);
    if (whole === 0) return;
    const count = whole / MESSAGE_BYTES;
    if (count * LINE_BYTES > lines.length) lines = Buffer.alloc(count * LINE_BYTES, 0x78);
    writeSync(fd, lines, 0, count * LINE_BYTES);
    fdatasyncSync(fd);
    socket.write(bytes.subarray(0, whole));
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closeSync(fd);
    rmSync(path, { force: true });
    process.exit(0);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
});
