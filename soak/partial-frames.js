/* global performance, setInterval, clearInterval, Buffer */
// 1,000 connections that send two bytes of a frame header and 50 that send 900 kB of a
// 1 MiB frame, against an order manager (--frame-timeout-ms 5000): every one is closed
// within its frame timeout, a normal client is answered every second throughout, and
// resident memory comes back near its baseline afterwards. Prints one SOAK line.
//   node soak/partial-frames.js       (SOAK_SLOW_HEADERS, SOAK_PARTIAL_FRAMES)
import { MessageDecoder, MessageEncoder } from "../dist/src/protocol/codec.js";
import { FrameDecoder } from "../dist/src/protocol/framing.js";
import { MessageType } from "../dist/src/protocol/messages.js";
import { onCleanup, report, rssMb, sleep, startComponent, stopComponent, tempDir } from "./lib/soak-helpers.js";
import { iocOrder, open, runProbe } from "./lib/probe.js";
const SLOW_HEADERS = Number(process.env["SOAK_SLOW_HEADERS"] ?? 1e3);
const PARTIAL_FRAMES = Number(process.env["SOAK_PARTIAL_FRAMES"] ?? 50);
const FRAME_TIMEOUT_MS = 5e3;
async function main() {
  const dir = tempDir("partial");
  const om = await startComponent([
    "ordermanager",
    "--port",
    "0",
    "--shm",
    `/ipct-soak-partial-${process.pid}`,
    // no such book: every order is answered E_RISK_STALE_BOOK, which is an answer
    "--trade-log",
    `${dir}/trades.log`,
    "--frame-timeout-ms",
    String(FRAME_TIMEOUT_MS)
  ], JSON.parse(process.env["SOAK_OM_ENV"] ?? "{}"));
  const pid = om.child.pid;
  const normal = await open(om.port);
  onCleanup(() => normal.destroy());
  const encoder = new MessageEncoder({ mode: "json" });
  const decoder = new MessageDecoder();
  let answers = 0;
  const frames = new FrameDecoder((buffer, offset, length) => {
    if (decoder.decode(buffer, offset, length).type === MessageType.TRADE_EXECUTION) answers++;
  });
  normal.on("data", (chunk) => void frames.push(chunk));
  let sent = 0;
  const order = iocOrder(1e6);
  const talker = setInterval(() => {
    order.orderId = `normal-${sent++}`;
    order.timestamp = Date.now() / 1e3;
    const bytes = encoder.encode(order);
    normal.write(Buffer.from(encoder.buffer.subarray(0, bytes)));
  }, 50);
  onCleanup(() => clearInterval(talker));
  await sleep(2e3);
  const rssBaseline = rssMb(pid);
  const attackers = [];
  let closed = 0;
  let lastCloseMs = 0;
  const startedMs = performance.now();
  const watch = (socket) => {
    socket.on("error", () => void 0);
    socket.once("close", () => {
      closed++;
      lastCloseMs = performance.now();
    });
    attackers.push(socket);
  };
  onCleanup(() => {
    for (const socket of attackers) socket.destroy();
  });
  for (let i = 0; i < SLOW_HEADERS; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, SLOW_HEADERS - i) }, () => open(om.port)));
    for (const socket of batch) {
      watch(socket);
      socket.write(Buffer.from([0, 0]));
    }
  }
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1024 * 1024);
  const body = Buffer.alloc(900 * 1024, 97);
  for (let i = 0; i < PARTIAL_FRAMES; i++) {
    const socket = await open(om.port);
    watch(socket);
    socket.write(Buffer.concat([header, body]));
  }
  const openedMs = performance.now() - startedMs;
  const perSecond = [];
  let rssPeak = rssMb(pid);
  let mark = answers;
  const total = SLOW_HEADERS + PARTIAL_FRAMES;
  const deadline = performance.now() + FRAME_TIMEOUT_MS + openedMs + 1e4;
  while (closed < total && performance.now() < deadline) {
    await sleep(1e3);
    rssPeak = Math.max(rssPeak, rssMb(pid));
    perSecond.push(answers - mark);
    mark = answers;
  }
  const allClosedAfterMs = lastCloseMs - startedMs;
  const settleSeconds = Number(process.env["SOAK_SETTLE_SECONDS"] ?? 10);
  await sleep(settleSeconds * 1e3);
  perSecond.push(Math.round((answers - mark) / settleSeconds));
  const rssAfter = rssMb(pid);
  const counters = om.counters();
  clearInterval(talker);
  await stopComponent(om);
  const slowestClose = allClosedAfterMs - openedMs;
  return report(
    "partial-frames",
    {
      slowHeaders: SLOW_HEADERS,
      partialFrames: PARTIAL_FRAMES,
      frameTimeoutMs: FRAME_TIMEOUT_MS,
      closed,
      openingTookMs: openedMs,
      allClosedAfterMs,
      rssBaselineMb: rssBaseline,
      rssPeakMb: rssPeak,
      rssAfterMb: rssAfter,
      normalAnswersWorstSecond: Math.min(...perSecond),
      normalAnswersPerSecond: perSecond.join(","),
      frameTimeouts: counters["frame_timeouts"] ?? -1
    },
    {
      "every slow or partial connection closed": closed === total,
      "closed within the timeout (plus the time to open them and one check)": allClosedAfterMs <= openedMs + FRAME_TIMEOUT_MS + 1e3 || slowestClose <= FRAME_TIMEOUT_MS + 1e3,
      "the normal client answered every second": Math.min(...perSecond) > 0,
      "RSS back within 30 MB of its baseline": rssAfter <= rssBaseline + 30
    }
  );
}
runProbe(main);
