/**
 * `trading record --gateway HOST:PORT --out FILE [--duration S] [--frames N] [--mode binary|json]`:
 * record any gateway's stream (ours, or one that speaks only the seed's JSON) with receive
 * times into a recording (recording-format.ts), until the duration, the frame count,
 * Ctrl+C or SIGTERM. `binary` (default) says a binary HELLO so that our gateway sends its
 * compact binary; a gateway that ignores the HELLO goes on in JSON, which is recorded as it
 * comes. `json` says nothing at all, as a seed client. The connection is kept up with
 * reconnects; frames are recorded as they arrive, whole blocks written as they fill.
 */
import { taskCommand } from '../command/command.js';
import { commonFields, parseHostPort, type Schema } from '../config/schema.js';
import { monotonicNs } from '../core/clock.js';
import { FrameClient } from '../net/frame-client.js';
import { MessageEncoder } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js';
import { RecordingWriter } from '../protocol/recording-writer.js';

export const recordSchema = {
  gateway: commonFields.endpoint('127.0.0.1:5555', 'the gateway to record, HOST:PORT'),
  out: { kind: 'string', description: 'the recording file to write' },
  duration: { kind: 'number', default: 0, min: 0, description: 'stop after this many seconds (0 = until Ctrl+C)' },
  frames: { kind: 'integer', default: 0, min: 0, max: Number.MAX_SAFE_INTEGER, description: 'stop after this many frames (0 = no limit)' },
  mode: { kind: 'string', default: 'binary', choices: ['binary', 'json'], description: 'binary: ask for our binary payloads (a JSON-only gateway stays JSON); json: say nothing, like a seed client' },
} as const satisfies Schema;

const FLUSH_INTERVAL_MS = 200;

export const main = taskCommand({
  name: 'record',
  schema: recordSchema,
  settle: (config) => ({ ...config, endpoint: parseHostPort(config.gateway, '--gateway') }),
  task: async (config, { log, stopping }) => {
    const writer = new RecordingWriter(config.out);
    const startNs = monotonicNs();
    let stopped = false;
    let finish: (reason: string) => void = () => undefined;
    const done = new Promise<string>((resolve) => {
      finish = (reason) => {
        stopped = true;
        resolve(reason);
      };
    });
    const encoder = new MessageEncoder({ mode: 'binary' });
    const helloBytes = encoder.encode({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'recorder', binary: true });
    const hello = Buffer.from(encoder.buffer.subarray(0, helloBytes));
    const client = new FrameClient({
      ...config.endpoint,
      onFrame: (buffer, offset, length) => {
        if (!writer.open || stopped) return;
        writer.append(buffer, offset, length, monotonicNs() - startNs);
        if (config.frames > 0 && writer.counters.frames >= config.frames) {
          stopped = true;
          finish(`${config.frames} frames recorded`);
        }
      },
      onConnect: () => {
        log.info('recording', { gateway: config.gateway, out: config.out, mode: config.mode });
        if (config.mode === 'binary') client.send(hello);
      },
      onDisconnect: (reason) => {
        if (!stopped) log.warn('gateway connection lost; reconnecting', { reason: reason?.message });
      },
      log,
    });
    const flusher = setInterval(() => writer.flush(), FLUSH_INTERVAL_MS);
    const timer = config.duration > 0 ? setTimeout(() => finish(`duration of ${config.duration} s reached`), config.duration * 1000) : undefined;
    stopping.addEventListener('abort', () => finish(`${String(stopping.reason)} received`), { once: true });
    client.connect().catch(() => undefined); // keeps retrying until closed
    const reason = await done;
    clearInterval(flusher);
    if (timer !== undefined) clearTimeout(timer);
    await client.close();
    writer.close();
    log.info('recording finished', { reason, frames: writer.counters.frames, blocks: writer.counters.blocks, bytes: writer.counters.bytes });
    process.stdout.write(`recorded ${writer.counters.frames} frames in ${writer.counters.blocks} blocks, ${writer.counters.bytes} bytes, to ${config.out} (${reason})\n`);
    return 0;
  },
});
