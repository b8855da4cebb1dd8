/**
 * Middle of the three-process chain floor (loopback-chain.ts): connects to the port in
 * argv[2], listens on an ephemeral loopback port (sent to the parent over IPC) and writes
 * every byte it reads there to that connection, with nothing else in the way.
 */
import { connect, createServer } from 'node:net';

const downstream = connect(Number(process.argv[2]), '127.0.0.1');
downstream.setNoDelay(true);
downstream.on('error', () => process.exit(1));
downstream.on('close', () => process.exit(0));
const server = createServer((upstream) => {
  upstream.setNoDelay(true);
  upstream.on('data', (chunk) => downstream.write(chunk));
  upstream.on('error', () => process.exit(1));
});
downstream.on('connect', () => {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
});
