/**
 * Who pays when a server's global outbound budget is spent (pure logic: FrameServer feeds
 * it its clients and applies the plan).
 *
 * "Behind" is measured in time, not bytes: a client's `stalledMs` is how long it has held
 * a backlog while the kernel took nothing from it (no write completed). At `--rate max`
 * the gateway produces faster than any one reader reads, so a reader that keeps up still
 * has a backlog, often megabytes of it, but its writes keep completing: its stalledMs stays
 * near 0, while a client that does not read accumulates it from the moment its socket
 * fills. The stall clock advances by at most STALL_STEP_MAX_MS per check, so an event loop
 * that was blocked (a long turn, a GC, a loaded machine) makes nobody look stalled: every
 * client's writes were waiting for the same loop.
 *
 * The plan, when the total is over the budget, works down the clients furthest behind
 * (longest stalled first, then largest) until the total is under the target (3/4 of the
 * budget):
 *   1. conflate harder: a client stalled for DEMOTE_AFTER_MS that can be demoted (a
 *      conflating server's client, proven and not demoted since) is put back on
 *      probation: latest frame per key, its queued bytes released (OutboundQueue.demote);
 *   2. disconnect (E_SLOW_CONSUMER): if that is not enough, the clients stalled for
 *      DISCONNECT_AFTER_MS, in the same order (on a server that does not conflate, this
 *      is the only step).
 * A client whose writes keep completing is in neither list, however large its backlog.
 */

/** Demote a client once it has been stalled this long, ms. */
export const DEMOTE_AFTER_MS = 500;
/** Disconnect a client (if the budget still requires it) once it has been stalled this long, ms. */
export const DISCONNECT_AFTER_MS = 1_000;
/** The stall clock advances at most this much per check, ms (a blocked loop is nobody's fault). */
export const STALL_STEP_MAX_MS = 100;

/** What the plan needs to know about one client. */
export interface BudgetClient {
  /** Bytes it holds allocated for outbound frames. */
  readonly outboundMemoryBytes: number;
  /** How long it has held a backlog the kernel took nothing from, ms (see stallStep). */
  readonly stalledMs: number;
  /** It can be conflated harder: a conflating server's client that has proven it reads (and not been demoted since). */
  readonly demotable: boolean;
  /** Bytes demotion would release now. */
  readonly releasableBytes: number;
}

export interface BudgetPlan<T> {
  /** Clients to conflate harder, furthest behind first. */
  readonly demote: T[];
  /** Clients to disconnect with E_SLOW_CONSUMER, furthest behind first. */
  readonly disconnect: T[];
  /** The total once the plan is applied (estimated from the clients' figures). */
  projectedBytes: number;
}

/** How much a check adds to a stalled client's clock: the time since the last check, capped. */
export function stallStep(sinceLastCheckMs: number): number {
  return Math.min(Math.max(0, sinceLastCheckMs), STALL_STEP_MAX_MS);
}

/** Furthest behind first: longest stalled, then largest. */
function furtherBehind(a: BudgetClient, b: BudgetClient): number {
  return b.stalledMs - a.stalledMs || b.outboundMemoryBytes - a.outboundMemoryBytes;
}

/**
 * Plan the budget's actions. `totalBytes` is what all clients hold now; nothing is planned
 * while it is at most `budgetBytes`. The arrays of `plan` (and `scratch`) are reused: the
 * check runs often and should not allocate when there is nothing to do.
 */
export function planOutboundBudget<T extends BudgetClient>(
  clients: Iterable<T>,
  totalBytes: number,
  budgetBytes: number,
  plan: BudgetPlan<T>,
  scratch: T[] = [],
): BudgetPlan<T> {
  plan.demote.length = 0;
  plan.disconnect.length = 0;
  plan.projectedBytes = totalBytes;
  if (totalBytes <= budgetBytes) return plan;
  const target = Math.floor((budgetBytes * 3) / 4);
  const behind = scratch;
  behind.length = 0;
  for (const client of clients) if (client.stalledMs >= DEMOTE_AFTER_MS) behind.push(client);
  behind.sort(furtherBehind);
  let total = totalBytes;
  // every demotable client up to this index is demoted
  let demotedUpTo = -1;
  for (let index = 0; index < behind.length && total > target; index++) {
    demotedUpTo = index;
    const client = behind[index];
    if (!client.demotable) continue;
    plan.demote.push(client);
    total -= client.releasableBytes;
  }
  for (let index = 0; index < behind.length && total > target; index++) {
    const client = behind[index];
    if (client.stalledMs < DISCONNECT_AFTER_MS) continue;
    const demoted = client.demotable && index <= demotedUpTo;
    plan.disconnect.push(client);
    total -= client.outboundMemoryBytes - (demoted ? client.releasableBytes : 0);
  }
  plan.projectedBytes = total;
  behind.length = 0;
  return plan;
}
