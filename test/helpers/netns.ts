/**
 * Hosts for multi-host tests: network namespaces on one machine, joined by veth pairs to
 * a bridge that lives in a namespace of its own, with addresses from 192.0.2.0/24
 * (TEST-NET-1, documentation only: never routed anywhere). Names carry the test's pid and
 * a random part, so parallel runs never meet. `remove()` deletes every namespace (which
 * deletes the veths in it); it runs from the test's `after()` and again at process exit,
 * so nothing outlives a failing test.
 *
 * Processes in different namespaces still share /dev/shm and the file system: each host
 * needs its own shared-memory names.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestNetwork {
  /** Namespace of each host, by the host's label. */
  readonly namespaces: Record<string, string>;
  /** 192.0.2.x of each host. */
  readonly addresses: Record<string, string>;
  /** `ip netns exec NS` prefix for spawning a command on a host. */
  exec(host: string): string[];
  remove(): void;
}

const created = new Set<string>();

function ip(args: readonly string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function removeAll(): void {
  for (const ns of created) {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    created.delete(ns);
  }
}
process.once('exit', removeAll);

/** Why namespaces cannot be used here, or false when they can. */
export function netnsSkipReason(): string | false {
  if (process.platform !== 'linux') return 'network namespaces need Linux: multi-host test skipped';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root (ip netns add): multi-host test skipped';
  const probe = `ipct-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.error !== undefined || made.status !== 0) {
    return `network namespaces not permitted here (ip netns add: ${(made.stderr ?? String(made.error)).trim()}): multi-host test skipped`;
  }
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return false;
}

/** Hosts `labels` (e.g. ['a', 'b', 'c']) on one bridge, at 192.0.2.1, .2, ... in order. */
export function createNetwork(labels: readonly string[]): TestNetwork {
  const id = `${(process.pid % 1000).toString(36)}${randomBytes(2).toString('hex')}`;
  const switchNs = `ipct-sw-${id}`;
  const namespaces: Record<string, string> = {};
  const addresses: Record<string, string> = {};
  const remove = (): void => {
    for (const ns of [switchNs, ...Object.values(namespaces)]) {
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      created.delete(ns);
    }
  };
  try {
    ip(['netns', 'add', switchNs]);
    created.add(switchNs);
    ip(['-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', switchNs, 'link', 'set', 'br0', 'up']);
    labels.forEach((label, index) => {
      const ns = `ipct-${label}-${id}`;
      ip(['netns', 'add', ns]);
      created.add(ns);
      namespaces[label] = ns;
      const address = `192.0.2.${index + 1}`;
      addresses[label] = address;
      // both ends are made in the host's namespace, then moved: names only need to be unique there for a moment
      const inside = `v${label}${id}`;
      const outside = `v${label}${id}s`;
      ip(['-n', ns, 'link', 'add', inside, 'type', 'veth', 'peer', 'name', outside, 'netns', switchNs]);
      ip(['-n', switchNs, 'link', 'set', outside, 'master', 'br0']);
      ip(['-n', switchNs, 'link', 'set', outside, 'up']);
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', inside]);
      ip(['-n', ns, 'link', 'set', inside, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    });
  } catch (err) {
    remove();
    throw err;
  }
  return {
    namespaces,
    addresses,
    exec: (host) => ['ip', 'netns', 'exec', namespaces[host] ?? 'missing-host'],
    remove,
  };
}
