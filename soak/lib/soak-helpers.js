/* global performance, setTimeout, URL */
// Helpers for the soak probes (npm run soak): components started through the real CLI
// with an IPC channel (readiness) and a book segment name of their own, their counters read
// from their counters segment (<shm>.metrics.<component>, as `trading stat` reads them),
// resident memory read from /proc, a clean-up list run on every way out, and one result line
// per probe.
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { counterSegmentName, tryOpenCounters } from "../../dist/src/metrics/index.js";
const CLI = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));
const cleanups = [];
function onCleanup(step) {
  cleanups.push(step);
}
function cleanup() {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      step();
    } catch {
      // best effort: the next step still runs
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}
function tempDir(label) {
  const dir = mkdtempSync(join(tmpdir(), `ipct-soak-${label}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
/**
 * A component's counters now, by name, from its counters segment; {} when the segment does
 * not exist (not started with this --shm, or gone).
 */
function readCounters(shm, component) {
  const reader = tryOpenCounters(counterSegmentName(shm, component));
  if (reader === void 0) return {};
  try {
    const counters = {};
    for (const sample of reader.snapshot().counters) if (sample.labels.symbol === void 0 && sample.labels.code === void 0) counters[sample.name] = sample.value;
    return counters;
  } finally {
    reader.close();
  }
}
/**
 * Start `trading <args>` (args must include --shm NAME, a name of this probe's own: the
 * counters are read from NAME's counters segment); resolves once it reports ready.
 */
function startComponent(args, env = {}) {
  const startedMs = performance.now();
  const shmAt = args.indexOf("--shm");
  const shm = shmAt >= 0 ? args[shmAt + 1] : void 0;
  if (shm === void 0) throw new Error(`startComponent: ${args.join(" ")} has no --shm (its counters would not be found)`);
  const child = fork(CLI, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, TRADING_LOG_LEVEL: "warn", ...env } });
  onCleanup(() => child.kill("SIGKILL"));
  let text = "";
  child.stdout?.on("data", (chunk) => text = (text + chunk.toString()).slice(-2e4));
  child.stderr?.on("data", (chunk) => text = (text + chunk.toString()).slice(-2e4));
  return new Promise((resolve, reject) => {
    child.on("message", (message) => {
      if (message.kind === "ready") {
        const port = Number(message.details["port"] ?? 0);
        resolve({ child, port, readyMs: performance.now() - startedMs, details: message.details, output: () => text, counters: () => readCounters(shm, args[0]) });
      }
    });
    child.once("exit", (code) => reject(new Error(`trading ${args.join(" ")} exited ${code} before ready:
${text}`)));
  });
}
function stopComponent(component) {
  return new Promise((resolve) => {
    if (component.child.exitCode !== null) return resolve(component.child.exitCode);
    component.child.once("exit", (code) => resolve(code));
    component.child.kill("SIGTERM");
  });
}
function rssMb(pid) {
  if (pid === void 0) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
function report(probe, figures, checks) {
  const text = Object.entries(figures).map(([key, value]) => `${key}=${typeof value === "number" ? Number.isInteger(value) ? value : value.toFixed(1) : value}`).join(" ");
  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
  console.log(`SOAK ${probe}: ${failed.length === 0 ? "PASS" : "FAIL"} ${text}`);
  for (const name of failed) console.log(`SOAK ${probe}: failed check: ${name}`);
  return failed.length === 0;
}
export {
  cleanup,
  onCleanup,
  readCounters,
  report,
  rssMb,
  sleep,
  startComponent,
  stopComponent,
  tempDir
};
