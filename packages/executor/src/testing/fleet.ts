import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SshTarget } from '../targets.js';
import { ensureTestUser, freePort } from './sshd.js';
import {
  type FixtureKeys,
  SshdBindError,
  type SshdProcess,
  createKeys,
  descendants,
  fixtureBase,
  gone,
  launchSshd,
  procNetAddress,
  processTree,
  requireSshd,
  signalAll,
  socketInodes,
  sshdConfig,
  stopSshds,
  tcpSockets,
} from './sshd-process.js';

/** sshd refuses a 17th ListenAddress (`Too many listen sockets. Enlarge MAX_LISTEN_SOCKS`). */
const ADDRESSES_PER_SSHD = 16;
/** 127.0.X.1 to 127.0.X.254 for X from 1: Linux routes all of 127/8 to lo. */
const HOSTS_PER_SUBNET = 254;
const MAX_TARGETS = HOSTS_PER_SUBNET * 254;

export interface SshdFleetOptions {
  /** How many targets: each gets its own loopback address, 16 per sshd process. */
  readonly count: number;
  /** Target ids are `PREFIX-001`, `PREFIX-002`, ... (default `web`). */
  readonly idPrefix?: string;
  /** Labels of the target at `index` (0-based), for fleet selectors. */
  readonly labels?: (index: number) => Record<string, string>;
  /** Extra sshd_config lines for every sshd (e.g. `MaxSessions 2`). */
  readonly extraConfig?: readonly string[];
  /** Settings for every target config (e.g. `idleTimeoutMs`); ids and addresses stay the fixture's. */
  readonly target?: Partial<Omit<SshTarget, 'id' | 'host' | 'port' | 'transport'>>;
}

/** Many SSH targets on this machine: real OpenSSH servers on 127.0.1.1, 127.0.1.2, ... */
export interface SshdFleet {
  /** One port for every address, so that clush and pssh need no per-host options. */
  readonly port: number;
  readonly username: string;
  readonly dir: string;
  readonly privateKeyPath: string;
  readonly hostKeySha256: string;
  /** Target configs in order, `host` being each one's own address. */
  readonly targets: readonly SshTarget[];
  /** The loopback address of a target id. */
  addressOf(targetId: string): string;
  /**
   * An ssh_config for the OpenSSH client (`ssh -F FILE ADDRESS`): user, port, key, and the
   * fleet's host key trusted for every address (StrictHostKeyChecking yes, BatchMode yes).
   */
  readonly sshConfigPath: string;
  /** Client arguments reaching any fleet address: `ssh ...sshArgs() ADDRESS COMMAND`. */
  sshArgs(): string[];
  /** Writes a pssh hosts file (`user@address:port` a line) for these targets (default all). */
  hostsFile(targetIds?: readonly string[]): string;
  /** The addresses of these targets (default all), comma-separated, for `clush -w`. */
  nodes(targetIds?: readonly string[]): string;
  /** Established TCP connections to the fleet's servers now (from /proc/net/tcp). */
  connections(): number;
  /** Every sshd process of the fleet now: listeners and per-connection processes. */
  processes(): number[];
  /**
   * Makes these targets dead hosts: their address stops listening (connections are refused)
   * and their open connections die, with everything running in them. The other targets of the
   * same sshd stop listening for the moment sshd takes to restart on its remaining addresses.
   */
  kill(targetIds: readonly string[]): Promise<void>;
  /** What the sshd processes have logged lately (LogLevel INFO), for diagnosing failures. */
  log(): string;
  /** Stops every sshd process of the fleet, connections included, and removes its files. */
  stop(): Promise<void>;
}

/** The loopback address of the target at `index`: 127.0.1.1 ... 127.0.1.254, 127.0.2.1, ... */
export function fleetAddress(index: number): string {
  const subnet = 1 + Math.floor(index / HOSTS_PER_SUBNET);
  return `127.0.${subnet}.${1 + (index % HOSTS_PER_SUBNET)}`;
}

interface Server {
  readonly configPath: string;
  /** Addresses still alive (kill removes some). */
  addresses: string[];
  readonly sshd: SshdProcess;
}

/**
 * Starts `count` SSH targets on loopback addresses: ceil(count/16) `sshd -D` processes started
 * in parallel, all on one port, sharing one host key and one client key, logging in as the test
 * user. `MaxStartups` is raised so that a fan-out's handshakes are not dropped.
 */
export async function startSshdFleet(options: SshdFleetOptions): Promise<SshdFleet> {
  const { count } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_TARGETS) {
    throw new Error(`a fleet has 1 to ${MAX_TARGETS} targets, not ${count}`);
  }
  requireSshd();
  const username = ensureTestUser();
  const dir = mkdtempSync(path.join(fixtureBase(), 'fleet-'));
  chmodSync(dir, 0o755);
  const keys = createKeys(dir);
  const addresses = Array.from({ length: count }, (_, i) => fleetAddress(i));

  let started: { settings: FleetServerSettings; servers: Server[] };
  try {
    started = await startOnFreePort(
      { dir, keys, username, extraConfig: options.extraConfig },
      addresses,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { settings, servers } = started;
  const { port } = settings;

  const width = Math.max(3, String(count).length);
  const prefix = options.idPrefix ?? 'web';
  const targets = addresses.map((host, i): SshTarget => ({
    id: `${prefix}-${String(i + 1).padStart(width, '0')}`,
    transport: 'ssh',
    host,
    port,
    username,
    privateKeyPath: keys.privateKeyPath,
    hostKeySha256: keys.hostKeySha256,
    maxSessions: 10,
    maxConnections: 2,
    keepaliveIntervalMs: 5_000,
    keepaliveCountMax: 3,
    readyTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    ...options.target,
    ...(options.labels === undefined ? {} : { labels: options.labels(i) }),
  }));
  const addressById = new Map(targets.map((t) => [t.id, t.host]));
  const addressOf = (id: string): string => {
    const address = addressById.get(id);
    if (address === undefined) throw new Error(`no fleet target ${id}`);
    return address;
  };
  const serverOf = (address: string): Server | undefined =>
    servers.find((s) => s.addresses.includes(address));
  const pick = (ids?: readonly string[]): string[] =>
    ids === undefined ? addresses : ids.map(addressOf);

  const knownHostsPath = path.join(dir, 'known_hosts');
  // One host key everywhere: a wildcard entry trusts it on every address and port.
  writeFileSync(knownHostsPath, `* ${keys.hostPublicKey}\n`);
  const sshConfigPath = path.join(dir, 'ssh_config');
  writeFileSync(
    sshConfigPath,
    [
      'Host *',
      `  User ${username}`,
      `  Port ${port}`,
      `  IdentityFile ${keys.privateKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHostsPath}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  let hostsFiles = 0;

  return {
    port,
    username,
    dir,
    privateKeyPath: keys.privateKeyPath,
    hostKeySha256: keys.hostKeySha256,
    targets,
    addressOf,
    sshConfigPath,
    sshArgs: () => ['-F', sshConfigPath],
    hostsFile: (ids) => {
      hostsFiles += 1;
      const file = path.join(dir, `hosts-${hostsFiles}`);
      writeFileSync(
        file,
        pick(ids)
          .map((a) => `${username}@${a}:${port}\n`)
          .join(''),
      );
      return file;
    },
    nodes: (ids) => pick(ids).join(','),
    connections: () => {
      const local = new Set(addresses.map((a) => procNetAddress(a, port)));
      return tcpSockets().filter((s) => s.state === '01' && local.has(s.local)).length;
    },
    processes: () => {
      const tree = processTree();
      return servers.flatMap((s) => s.sshd.processes(tree));
    },
    kill: async (ids) => {
      const dead = new Set(ids.map(addressOf));
      const affected = new Set<Server>();
      for (const address of dead) {
        const server = serverOf(address);
        if (server === undefined) continue;
        server.addresses = server.addresses.filter((a) => a !== address);
        affected.add(server);
      }
      // An sshd left with no address goes, with its connections and what runs in them.
      const emptied = [...affected].filter((server) => server.addresses.length === 0);
      const before = processTree();
      const doomed = emptied.flatMap((s) => [
        s.sshd.pid,
        ...descendants(before, s.sshd.pid, false),
      ]);
      signalAll(doomed, 'SIGKILL');
      // The others first stop listening on the dead addresses, so that nothing reconnects; then
      // their connections to those addresses end.
      const reloaded = [...affected].filter((server) => server.addresses.length > 0);
      await Promise.all(
        reloaded.map(async (server) => {
          writeFileSync(server.configPath, fleetSshdConfig(settings, server.addresses));
          await server.sshd.reload(server.addresses);
        }),
      );
      const deadSockets = new Set([...dead].map((a) => procNetAddress(a, port)));
      const sockets = new Set(
        tcpSockets()
          .filter((s) => deadSockets.has(s.local))
          .map((s) => s.inode),
      );
      const tree = processTree();
      const connections: number[] = [];
      for (const server of reloaded) {
        for (const pid of descendants(tree, server.sshd.pid, true)) {
          if (!socketInodes(pid).some((inode) => sockets.has(inode))) continue;
          // The connection's process, and below it the session's shell and command.
          connections.push(pid, ...descendants(tree, pid, false));
        }
      }
      signalAll(connections, 'SIGKILL');
      await gone([...doomed, ...connections]);
    },
    log: () => servers.map((s) => s.sshd.log()).join(''),
    stop: async () => {
      await stopSshds(servers.map((s) => s.sshd));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What every sshd of a fleet shares: everything in its config but its addresses. */
interface FleetServerSettings {
  readonly dir: string;
  readonly keys: FixtureKeys;
  readonly username: string;
  readonly port: number;
  readonly extraConfig: readonly string[] | undefined;
}

function fleetSshdConfig(settings: FleetServerSettings, listen: readonly string[]): string {
  return sshdConfig({
    port: settings.port,
    addresses: listen,
    keys: settings.keys,
    username: settings.username,
    pidFile: 'none',
    logLevel: 'INFO',
    extraConfig: [
      // A fan-out opens hundreds of connections at once; OpenSSH's default (10:30:100) starts
      // dropping unauthenticated ones past 10.
      'MaxStartups 1000:30:2000',
      ...(settings.extraConfig ?? []),
    ],
  });
}

/** Starts the servers on a free port, or on another if one of the addresses has it taken. */
async function startOnFreePort(
  base: Omit<FleetServerSettings, 'port'>,
  addresses: readonly string[],
): Promise<{ settings: FleetServerSettings; servers: Server[] }> {
  for (let attempt = 1; ; attempt += 1) {
    const settings = { ...base, port: await freePort() };
    try {
      return { settings, servers: await startServers(settings, addresses) };
    } catch (error) {
      if (!(error instanceof SshdBindError) || attempt === 3) throw error;
    }
  }
}

/** The sshd processes of a fleet, started in parallel; all of them or none. */
async function startServers(
  settings: FleetServerSettings,
  addresses: readonly string[],
): Promise<Server[]> {
  const groups: string[][] = [];
  for (let i = 0; i < addresses.length; i += ADDRESSES_PER_SSHD) {
    groups.push(addresses.slice(i, i + ADDRESSES_PER_SSHD));
  }
  const launched = await Promise.allSettled(
    groups.map(async (group, i): Promise<Server> => {
      const configPath = path.join(settings.dir, `sshd-${i}.conf`);
      writeFileSync(configPath, fleetSshdConfig(settings, group));
      const sshd = await launchSshd({
        configPath,
        port: settings.port,
        addresses: group,
        logLimit: 64 * 1024,
      });
      return { configPath, addresses: [...group], sshd };
    }),
  );
  const servers = launched.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = launched.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await stopSshds(servers.map((s) => s.sshd));
    throw failed.reason;
  }
  return servers;
}
