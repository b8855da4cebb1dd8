/* global performance */
// 2,000 clients that connect to a `--rate max` gateway and never read, for 45 s: the
// gateway's resident memory stays under 400 MB throughout (a client that never reads is
// on probation: conflated at once, one small chunk in flight; past the global outbound
// budget the clients longest without reading are conflated harder or disconnected), and a
// client that reads keeps receiving at the rate it had alone. The counters come from the
// gateway's counters segment. Prints one "SOAK gateway-flood: PASS|FAIL figure=value ..." line.
//   node soak/gateway-flood.js        (SOAK_CLIENTS, SOAK_SECONDS override the scale;
//                                      SOAK_VERBOSE=1 prints every second's figures)
import { FrameDecoder } from "../dist/src/protocol/framing.js";
import { onCleanup, report, rssMb, sleep, startComponent, stopComponent } from "./lib/soak-helpers.js";
import { open, runProbe } from "./lib/probe.js";
const NEVER_READING = Number(process.env["SOAK_CLIENTS"] ?? 2e3);
const FLOOD_SECONDS = Number(process.env["SOAK_SECONDS"] ?? 45);
const BASELINE_SECONDS = 5;
const RSS_LIMIT_MB = 400;
const VERBOSE = process.env["SOAK_VERBOSE"] === "1";
const ACCEPT_WAIT_MS = 6e4;
async function main() {
  const gateway = await startComponent(["gateway", "--port", "0", "--shm", `/ipct-soak-flood-${process.pid}`, "--rate", "max"]);
  const pid = gateway.child.pid;
  let frames = 0;
  const decoder = new FrameDecoder(() => {
    frames++;
  });
  const reader = await open(gateway.port);
  onCleanup(() => reader.destroy());
  reader.on("data", (chunk) => void decoder.push(chunk));
  let readerClosed = false;
  reader.once("close", () => readerClosed = true);
  const rssStart = rssMb(pid);
  await sleep(1e3);
  let mark = frames;
  await sleep(BASELINE_SECONDS * 1e3);
  const baselineRate = (frames - mark) / BASELINE_SECONDS;
  const stalled = [];
  const floodStartMs = performance.now();
  for (let i = 0; i < NEVER_READING; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, NEVER_READING - i) }, () => open(gateway.port)));
    for (const socket of batch) {
      socket.pause();
      socket.on("error", () => void 0);
      stalled.push(socket);
    }
  }
  onCleanup(() => {
    for (const socket of stalled) socket.destroy();
  });
  // connected on our side means the kernel completed the handshake; the gateway accepts
  // them from its accept queue (one per event-loop turn in Node 20), and the 45 s start
  // once it has them all (or after ACCEPT_WAIT_MS, and the check below fails)
  const openedMs = performance.now() - floodStartMs;
  while ((gateway.counters()["clients_accepted"] ?? 0) < NEVER_READING + 1 && performance.now() - floodStartMs < ACCEPT_WAIT_MS) await sleep(50);
  const acceptedMs = performance.now() - floodStartMs;
  let rssMax = rssMb(pid);
  const rates = [];
  mark = frames;
  for (let second = 0; second < FLOOD_SECONDS; second++) {
    await sleep(1e3);
    rssMax = Math.max(rssMax, rssMb(pid));
    rates.push(frames - mark);
    mark = frames;
    if (VERBOSE) {
      const c = gateway.counters();
      console.log(`second ${second + 1}: reader ${rates.at(-1)} msgs, rss ${rssMb(pid).toFixed(0)} MB, clients ${c["clients"]}, accepted ${c["clients_accepted"]}, outbound ${(c["outbound_bytes"] / 1048576).toFixed(1)} MiB, demoted ${c["outbound_budget_demotions"]}, disconnected ${c["outbound_budget_disconnects"]}`);
    }
  }
  const last10 = rates.slice(-10).sort((a, b) => a - b);
  const lastRate = last10[Math.floor(last10.length / 2)] ?? 0;
  const minRate = Math.min(...rates);
  const counters = gateway.counters();
  const readerClosedDuringFlood = readerClosed;
  await stopComponent(gateway);
  return report(
    "gateway-flood",
    {
      neverReading: NEVER_READING,
      seconds: FLOOD_SECONDS,
      openedS: openedMs / 1e3,
      acceptedS: acceptedMs / 1e3,
      rssStartMb: rssStart,
      rssMaxMb: rssMax,
      readerAloneMsgsPerS: baselineRate,
      readerLast10sMedianMsgsPerS: lastRate,
      readerWorstSecondMsgsPerS: minRate,
      readerRatio: baselineRate > 0 ? lastRate / baselineRate : 0,
      readerDisconnected: String(readerClosedDuringFlood),
      outboundBudgetDisconnects: counters["outbound_budget_disconnects"] ?? -1,
      outboundBudgetDemotions: counters["outbound_budget_demotions"] ?? -1,
      clientsAccepted: counters["clients_accepted"] ?? -1,
      framesConflated: counters["frames_conflated"] ?? -1,
      clientsAtEnd: counters["clients"] ?? -1,
      clientsRefused: counters["clients_refused"] ?? -1
    },
    {
      // a connection the kernel dropped from a full accept queue looks connected to us but
      // never reached the gateway: the flood must really be 2,000 clients
      "every never-reading client reached the gateway": (counters["clients_accepted"] ?? 0) >= NEVER_READING + 1,
      [`gateway RSS under ${RSS_LIMIT_MB} MB throughout`]: rssMax < RSS_LIMIT_MB,
      "the reading client receives every second": minRate > 0 && !readerClosedDuringFlood,
      "the reading client keeps at least half its rate alone (last 10 s median)": lastRate >= baselineRate / 2
    }
  );
}
runProbe(main);
