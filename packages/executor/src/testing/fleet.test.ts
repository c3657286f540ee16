import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Executor } from '../executor.js';
import { type SshdFleet, fleetAddress, startSshdFleet } from './fleet.js';
import { pgrep } from './processes.js';
import { running } from './sshd-process.js';

const run = promisify(execFile);

/** The key exchange ssh2 uses too: the client's default (sntrup761) costs twice the CPU. */
const KEX = ['-o', 'KexAlgorithms=curve25519-sha256'];

/** `ssh ADDRESS COMMAND` with the fleet's client config; resolves with stdout or rejects. */
async function ssh(fleet: SshdFleet, address: string, command: string): Promise<string> {
  const { stdout } = await run('ssh', [...fleet.sshArgs(), ...KEX, address, command], {
    timeout: 30_000,
  });
  return stdout;
}

/** A long `ssh ADDRESS sleep MARKER` kept open, its `sleep` findable on the target by pgrep. */
function openSession(fleet: SshdFleet, address: string, marker: string): ChildProcess {
  return spawn('ssh', [...fleet.sshArgs(), ...KEX, address, `sleep ${marker}`], {
    stdio: 'ignore',
  });
}

const marker = (): string => String(5_000_000 + Math.floor(Math.random() * 1_000_000));

describe('fleetAddress', () => {
  it('numbers 254 hosts per 127.0.X subnet, never .0 or .255', () => {
    expect([0, 1, 253, 254, 999].map(fleetAddress)).toEqual([
      '127.0.1.1',
      '127.0.1.2',
      '127.0.1.254',
      '127.0.2.1',
      '127.0.4.238',
    ]);
  });
});

describe('a fleet of 50 sshd targets', () => {
  let fleet: SshdFleet;

  beforeAll(async () => {
    fleet = await startSshdFleet({
      count: 50,
      labels: (i) => ({ role: i % 2 === 0 ? 'web' : 'db', index: String(i) }),
    });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('describes 50 targets with their own address, one port, one host key', () => {
    expect(fleet.targets.map((t) => t.id).slice(0, 3)).toEqual(['web-001', 'web-002', 'web-003']);
    expect(fleet.targets.at(-1)?.id).toBe('web-050');
    expect(new Set(fleet.targets.map((t) => t.host)).size).toBe(50);
    expect(new Set(fleet.targets.map((t) => t.port))).toEqual(new Set([fleet.port]));
    expect(fleet.targets[1]?.labels).toEqual({ role: 'db', index: '1' });
    expect(fleet.addressOf('web-017')).toBe('127.0.1.17');
  });

  it('answers the OpenSSH client on each of the 50 addresses, host key checked', async () => {
    const seen: string[] = [];
    const addresses = fleet.targets.map((t) => t.host);
    // Ten at a time: each new connection costs the two cores a key exchange.
    for (let i = 0; i < addresses.length; i += 10) {
      const batch = addresses.slice(i, i + 10);
      const outputs = await Promise.all(batch.map((a) => ssh(fleet, a, 'echo $SSH_CONNECTION')));
      // SSH_CONNECTION: client address, client port, server address, server port.
      for (const out of outputs) {
        const [, , server, port] = out.trim().split(' ');
        expect(port).toBe(String(fleet.port));
        seen.push(server ?? '');
      }
    }
    expect(seen).toEqual(addresses);
  });

  it('gives target configs the executor connects with (ssh2, fingerprint pinned)', async () => {
    const picked = [fleet.targets[0], fleet.targets[17], fleet.targets[49]].flatMap((t) =>
      t === undefined ? [] : [t],
    );
    const executor = new Executor(picked);
    try {
      for (const target of picked) {
        let stdout = '';
        for await (const event of executor.execute(target.id, [
          '/bin/sh',
          '-c',
          'echo $SSH_CONNECTION',
        ])) {
          if (event.type === 'output' && event.stream === 'stdout') stdout += event.data.toString();
          if (event.type === 'exit') expect(event.exitCode).toBe(0);
        }
        expect(stdout.trim().split(' ')[2]).toBe(target.host);
      }
      expect(fleet.connections()).toBe(3);
    } finally {
      await executor.close();
    }
  });

  it('kills a target: its address refuses, its sessions end, its neighbours still answer', async () => {
    // web-003 and web-004 share an sshd with web-001..web-016.
    const victim = fleet.addressOf('web-003');
    const neighbour = fleet.addressOf('web-005');
    const mark = marker();
    const session = openSession(fleet, victim, mark);
    const ended = new Promise<number | null>((resolve) => session.once('exit', resolve));
    const survivor = openSession(fleet, neighbour, mark);
    await vi.waitFor(() => expect(pgrep(fleet.username, `sleep ${mark}`)).toHaveLength(2), {
      timeout: 15_000,
    });

    await fleet.kill(['web-003', 'web-004']);

    // ssh reports a lost connection with 255.
    expect(await ended).toBe(255);
    await expect(ssh(fleet, victim, 'true')).rejects.toThrow(/Connection refused/);
    await expect(ssh(fleet, fleet.addressOf('web-004'), 'true')).rejects.toThrow(
      /Connection refused/,
    );
    expect((await ssh(fleet, neighbour, 'echo alive')).trim()).toBe('alive');
    // The neighbour's open session survived the restart of its sshd; the victim's command died.
    expect(survivor.exitCode).toBeNull();
    expect(pgrep(fleet.username, `sleep ${mark}`)).toHaveLength(1);
    survivor.kill();
  });

  it('kills all 16 targets of one sshd: the process goes, the next sshd still answers', async () => {
    const ids = fleet.targets.slice(16, 32).map((t) => t.id);
    expect(ids[0]).toBe('web-017');
    const before = fleet.processes().length;

    await fleet.kill(ids);

    await expect(ssh(fleet, fleet.addressOf('web-020'), 'true')).rejects.toThrow(
      /Connection refused/,
    );
    expect((await ssh(fleet, fleet.addressOf('web-033'), 'echo alive')).trim()).toBe('alive');
    expect(fleet.processes().length).toBe(before - 1);
  });

  it('stops every sshd process it started, open connections included, and its files', async () => {
    const mark = marker();
    const session = openSession(fleet, fleet.addressOf('web-040'), mark);
    await vi.waitFor(() => expect(pgrep(fleet.username, `sleep ${mark}`)).toHaveLength(1), {
      timeout: 15_000,
    });
    const processes = fleet.processes();
    // 3 listeners left (16 addresses each) and the monitor and child of that connection.
    expect(processes.length).toBeGreaterThanOrEqual(5);

    await fleet.stop();

    expect(processes.filter(running)).toEqual([]);
    expect(pgrep('root', fleet.dir)).toEqual([]);
    expect(existsSync(fleet.dir)).toBe(false);
    session.kill();
  });
});

describe('a fleet of 1,000 sshd targets', () => {
  it('starts in seconds and answers on its last address, in 127.0.4.x', async () => {
    const started = performance.now();
    const fleet = await startSshdFleet({ count: 1000 });
    try {
      const ms = performance.now() - started;
      expect(fleet.targets.at(-1)).toMatchObject({ id: 'web-1000', host: '127.0.4.238' });
      // 63 sshd processes, started in parallel; about half a second on 2 idle cores.
      expect(ms).toBeLessThan(15_000);
      expect(fleet.processes()).toHaveLength(63);
      const out = await ssh(fleet, '127.0.4.238', 'echo $SSH_CONNECTION');
      expect(out.trim().split(' ')[2]).toBe('127.0.4.238');
    } finally {
      await fleet.stop();
    }
  });
});
