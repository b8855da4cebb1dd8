/**
 * Child of the loopback floor measurement (loopback-floor.ts): connects to the port in
 * argv[2] and writes back every byte it reads, with nothing else in the way.
 */
import { connect } from 'node:net';

const socket = connect(Number(process.argv[2]), '127.0.0.1');
socket.setNoDelay(true);
socket.on('data', (chunk) => socket.write(chunk));
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
