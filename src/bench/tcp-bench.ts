/**
 * TCP throughput, one process to another over loopback: the figure behind "gateway → one
 * subscriber process, binary ≥ 2M msgs/s".
 *
 * A child process (tcp-bench-sender.js) runs a FrameServer that streams frames as fast as
 * the connection takes them; this process receives them with a FrameClient and counts, at
 * the receiver, the frames and bytes of a fixed window after a warm-up. Every frame
 * carries a sequence number and a gap fails the run, so the figure is for lossless,
 * in-order delivery.
 *
 * Payloads are 212 bytes, the size of a 5-level MARKET_DATA in our binary layout, filled by
 * the sender with a sequence number and constant bytes (no codec in the loop: this
 * measures the transport, the codec has its own benchmark).
 *
 * The same run again over TLS (node:tls, a P-256 certificate made for it with openssl;
 * the row is left out when openssl is not installed) shows what encryption costs the
 * transport between hosts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClientTls, type TlsMaterial } from '../net/tls-options.js';
import { createLogger } from '../core/log.js';
import { FrameClient } from '../net/frame-client.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import type { BenchContext, BenchResult, Benchmark } from './types.js';
import { lineFrom } from './child-output.js';
import { ErrorCode, TradingError } from '../core/errors.js';

/** Layout of the benchmark payload, shared with the sender. */
export const BENCH_PAYLOAD_MAGIC = 0xb1;
export const BENCH_SEQUENCE_OFFSET = 4;
export const BENCH_SENT_NS_OFFSET = 8;
/** A 5-level MARKET_DATA in the binary layout: 52 bytes + 5 bid and 5 ask levels of 16. */
export const MARKET_DATA_5_LEVEL_PAYLOAD_BYTES = 212;

const SENDER_SCRIPT = fileURLToPath(new URL('./tcp-bench-sender.js', import.meta.url));
const WARMUP_MS = 1_000;
const MEASURE_MS = 5_000;
const TARGET_MSGS_PER_S = 2_000_000;
const STARTUP_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;

interface Reception {
  frames: number;
  bytes: number;
  gaps: number;
  malformed: number;
}

export const tcpBenchmark: Benchmark = {
  name: 'tcp',
  description: 'TCP throughput from one process to another over loopback, market-data-sized binary frames',
  run: runTcpBenchmark,
};

interface Throughput {
  msgsPerSecond: number;
  megabytesPerSecond: number;
  seconds: number;
  frames: number;
}

async function runTcpBenchmark(context: BenchContext): Promise<BenchResult> {
  const payloadBytes = MARKET_DATA_5_LEVEL_PAYLOAD_BYTES;
  const warmupMs = Math.max(300, Math.round(WARMUP_MS * Math.min(1, context.scale)));
  const measureMs = Math.max(500, Math.round(MEASURE_MS * context.scale));
  const plain = await measure(context, payloadBytes, warmupMs, measureMs, undefined);
  const result: BenchResult = {
    rows: [
      {
        metric: 'TCP → one subscriber process, binary frames',
        value: `${Math.round(plain.msgsPerSecond).toLocaleString('en-US')} msgs/s (${plain.megabytesPerSecond.toFixed(0)} MB/s)`,
        target: `≥ ${TARGET_MSGS_PER_S.toLocaleString('en-US')} msgs/s`,
        seed: 'not measured',
        notes:
          `${payloadBytes}-byte payloads (5-level MARKET_DATA size, raw, no codec), loopback, FrameServer → FrameClient, ` +
          `${plain.seconds.toFixed(1)} s after ${(warmupMs / 1000).toFixed(1)} s warm-up, ${plain.frames.toLocaleString('en-US')} frames, 0 gaps`,
      },
    ],
    figures: {
      tcp_binary_msgs_per_s: Math.round(plain.msgsPerSecond),
      tcp_binary_mb_per_s: Math.round(plain.megabytesPerSecond),
      tcp_payload_bytes: payloadBytes,
    },
  };
  const certificates = makeCertificate();
  if (certificates === undefined) {
    context.log('openssl not found: no TLS row');
    return result;
  }
  try {
    const tls = await measure(context, payloadBytes, warmupMs, measureMs, certificates);
    result.rows.push({
      metric: '  the same over TLS (node:tls)',
      value: `${Math.round(tls.msgsPerSecond).toLocaleString('en-US')} msgs/s (${tls.megabytesPerSecond.toFixed(0)} MB/s)`,
      target: '',
      seed: 'not measured',
      notes: `TLS 1.3, P-256 certificate, ${tls.seconds.toFixed(1)} s, ${tls.frames.toLocaleString('en-US')} frames, 0 gaps`,
    });
    result.figures['tcp_tls_binary_msgs_per_s'] = Math.round(tls.msgsPerSecond);
    result.figures['tcp_tls_binary_mb_per_s'] = Math.round(tls.megabytesPerSecond);
  } finally {
    rmSync(certificates.directory, { recursive: true, force: true });
  }
  return result;
}

export interface BenchCertificate {
  directory: string;
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1, or undefined without openssl (remove its directory when done). */
export function makeCertificate(): BenchCertificate | undefined {
  const directory = mkdtempSync(join(tmpdir(), 'ipc-trading-tls-bench-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { cwd: directory, stdio: 'ignore' },
    );
    return { directory, cert: join(directory, 'cert.pem'), key: join(directory, 'key.pem') };
  } catch {
    rmSync(directory, { recursive: true, force: true });
    return undefined;
  }
}

async function measure(context: BenchContext, payloadBytes: number, warmupMs: number, measureMs: number, certificate: BenchCertificate | undefined): Promise<Throughput> {
  const tls: TlsMaterial | undefined = certificate === undefined ? undefined : loadClientTls({ ca: certificate.cert });
  const tlsArgs = certificate === undefined ? [] : [certificate.cert, certificate.key];
  const sender = spawn(process.execPath, [SENDER_SCRIPT, String(payloadBytes), ...tlsArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TRADING_LOG_LEVEL: 'warn' },
  });
  let client: FrameClient | undefined;
  try {
    const port = Number((await lineFrom(sender, 'the sender', /ready port=(\d+)/, STARTUP_TIMEOUT_MS))[1]);
    const seen: Reception = { frames: 0, bytes: 0, gaps: 0, malformed: 0 };
    let expected = 0;
    client = new FrameClient({
      port,
      tls,
      reconnect: false,
      log: createLogger('bench.tcp'),
      onFrame: (buffer, offset, length) => {
        seen.frames++;
        seen.bytes += FRAME_HEADER_BYTES + length;
        if (length !== payloadBytes || buffer[offset] !== BENCH_PAYLOAD_MAGIC) seen.malformed++;
        const sequence = buffer.readUInt32LE(offset + BENCH_SEQUENCE_OFFSET);
        if (sequence !== expected) seen.gaps++;
        expected = (sequence + 1) >>> 0;
      },
    });
    await client.connect();
    context.log(`connected to the sender (pid ${sender.pid}); warming up ${warmupMs} ms, measuring ${measureMs} ms`);
    await delay(warmupMs);
    const start = { ...seen, atNs: process.hrtime.bigint() };
    await delay(measureMs);
    const end = { ...seen, atNs: process.hrtime.bigint() };
    await client.close();
    const seconds = Number(end.atNs - start.atNs) / 1e9;
    if (end.gaps > 0 || end.malformed > 0) {
      throw new TradingError(ErrorCode.BENCH_FAILED, `delivery broken: ${end.gaps} sequence gaps, ${end.malformed} malformed frames in ${end.frames}`);
    }
    const msgsPerSecond = (end.frames - start.frames) / seconds;
    const megabytesPerSecond = (end.bytes - start.bytes) / seconds / 1e6;
    context.log(`${tls === undefined ? 'plain' : 'TLS'}: ${Math.round(msgsPerSecond).toLocaleString('en-US')} msgs/s, ${megabytesPerSecond.toFixed(0)} MB/s`);
    return { msgsPerSecond, megabytesPerSecond, seconds, frames: end.frames - start.frames };
  } finally {
    const connected = client?.counters.connects === 1;
    client?.destroy();
    await stopSender(sender, connected);
  }
}

/** A sender exits once its client is gone; one that never had a client is stopped. Either way it is gone after this. */
async function stopSender(sender: ChildProcess, hadClient: boolean): Promise<void> {
  if (sender.exitCode !== null || sender.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => sender.once('exit', () => resolve()));
  if (!hadClient) sender.kill('SIGTERM');
  const timer = setTimeout(() => sender.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
