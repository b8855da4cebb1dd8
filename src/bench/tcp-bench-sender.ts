/**
 * The sending half of the TCP benchmark, run as its own process by tcp-bench.ts:
 *
 *   node tcp-bench-sender.js <payloadBytes> [<cert.pem> <key.pem>]   (with a certificate: over TLS)
 *
 * A FrameServer on an ephemeral loopback port (printed as `ready port=N` on stdout) that,
 * once a client connects, streams binary frames of market-data size as fast as the
 * connection takes them: for each frame it writes the next sequence number into one
 * scratch payload and sends it, a batch per event-loop turn, pausing while
 * the connection's backlog is above a high-water mark (the gateway's fan-out path, with
 * nothing else in the way). It exits when the client goes away.
 */
import { monotonicNs } from '../core/clock.js';
import { FrameServer } from '../net/frame-server.js';
import type { FrameServerClient } from '../net/frame-server-client.js';
import { loadServerTls } from '../net/tls-options.js';
import { BENCH_PAYLOAD_MAGIC, BENCH_SENT_NS_OFFSET, BENCH_SEQUENCE_OFFSET } from './tcp-bench.js';

const FRAMES_PER_TURN = 4096;
const HIGH_WATER_BYTES = 2 * 1024 * 1024;
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/** A sender left behind by a crashed parent must not live forever. */
const MAX_LIFETIME_MS = 120_000;

function stream(client: FrameServerClient, payloadBytes: number): void {
  const payload = Buffer.alloc(payloadBytes, 0x2a);
  payload[0] = BENCH_PAYLOAD_MAGIC;
  payload[1] = 1; // MARKET_DATA
  let sequence = 0;
  const pump = (): void => {
    if (!client.open) return;
    if (client.backlogBytes >= HIGH_WATER_BYTES) {
      // the kernel and our queue hold over 2 MB (~10k frames): wait rather than spin
      setTimeout(pump, 1);
      return;
    }
    // one stamp per batch: reading the clock allocates a BigInt, which is not the transport's cost
    payload.writeDoubleLE(monotonicNs(), BENCH_SENT_NS_OFFSET);
    for (let i = 0; i < FRAMES_PER_TURN; i++) {
      payload.writeUInt32LE(sequence >>> 0, BENCH_SEQUENCE_OFFSET);
      if (client.sendPayload(payload, 0, payloadBytes) === 'dropped') return; // cannot happen below the bound
      sequence++;
    }
    setImmediate(pump);
  };
  pump();
}

function main(): void {
  const payloadBytes = Number(process.argv[2] ?? 212);
  if (!Number.isInteger(payloadBytes) || payloadBytes < 16 || payloadBytes > 65_536) {
    process.stderr.write(`tcp-bench-sender: payload bytes must be an integer in 16..65536, got ${process.argv[2]}\n`);
    process.exitCode = 2;
    return;
  }
  const lifetime = setTimeout(() => process.exit(3), MAX_LIFETIME_MS);
  lifetime.unref();
  const certificate = process.argv[3];
  const key = process.argv[4];
  const server = new FrameServer({
    tls: certificate === undefined ? undefined : loadServerTls({ cert: certificate, key }),
    onFrame: () => undefined,
    maxBacklogBytes: MAX_BACKLOG_BYTES,
    onConnect: (client) => stream(client, payloadBytes),
    onDisconnect: () => void server.close(),
  });
  server.listen(0).then(
    ({ port }) => process.stdout.write(`ready port=${port}\n`),
    (error: unknown) => {
      process.stderr.write(`tcp-bench-sender: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

main();
