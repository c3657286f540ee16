import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgrep } from '@ogent/executor/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CliStack,
  MIXED_STDERR,
  MIXED_STDOUT,
  freshHome,
  killOgents,
  ogent,
  spawnOgent,
  startCliStack,
  tokenFor,
} from './helpers.js';

let cli: CliStack;
let home: ReturnType<typeof freshHome>;
let env: NodeJS.ProcessEnv;
let token: string;

beforeAll(async () => {
  cli = await startCliStack();
  token = await tokenFor(cli.url, 'alice');
  home = freshHome();
  env = { ...home.env, OGENT_URL: cli.url, OGENT_TOKEN: token };
});

afterEach(killOgents);

afterAll(async () => {
  await cli?.stop();
  home?.remove();
});

/** Lines of one host, without its prefix, in order. */
function linesOf(output: Buffer, host: string): Buffer {
  const prefix = Buffer.from(`[${host}] `);
  const lines: Buffer[] = [];
  let rest = output;
  while (rest.length > 0) {
    const end = rest.indexOf(10);
    const line = end === -1 ? rest : rest.subarray(0, end + 1);
    if (line.subarray(0, prefix.length).equals(prefix)) lines.push(line.subarray(prefix.length));
    rest = rest.subarray(line.length);
  }
  return Buffer.concat(lines);
}

async function runView(runId: string): Promise<Record<string, unknown>> {
  const input = encodeURIComponent(JSON.stringify({ runId }));
  const response = await fetch(`${cli.url}/trpc/runs.byId?input=${input}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { result: { data: Record<string, unknown> } }).result.data;
}

function runIdOf(stderr: Buffer): string {
  const match = /ogent: run ([0-9a-f-]{36}) /.exec(stderr.toString());
  if (match?.[1] === undefined) throw new Error(`no run id in ${stderr.toString()}`);
  return match[1];
}

describe('ogent run -s (a fleet run)', () => {
  it('prefixes each line with [host], keeps the streams apart, and exits 0 when every host succeeded', async () => {
    const result = await ogent(['run', '-s', 'role=web', '--', 'mixed'], env);
    expect(result.status).toBe(0);
    for (const host of ['web-1', 'web-2']) {
      expect(linesOf(result.stdout, host).equals(MIXED_STDOUT)).toBe(true);
      expect(linesOf(result.stderr, host).equals(MIXED_STDERR)).toBe(true);
    }
    expect(result.stderr.toString()).toMatch(
      /^ogent: run [0-9a-f-]{36} succeeded: 2 hosts, 2 succeeded$/m,
    );
  });

  it('exits 1 when a host failed, naming it and why in the summary', async () => {
    const result = await ogent(['run', '-s', 'role=web|broken', '--', 'exitwith', '0'], env);
    expect(result.status).toBe(1);
    const text = result.stderr.toString();
    expect(text).toMatch(/^ogent: run [0-9a-f-]{36} failed: 3 hosts, 2 succeeded, 1 failed$/m);
    expect(text).toMatch(/^ogent: {3}\[bad-key\] failed: .*\(host_key_mismatch\)$/m);
    const nonZero = await ogent(['run', '-s', 'role=web', '--', 'exitwith', '3'], env);
    expect(nonZero.status).toBe(1);
    expect(nonZero.stderr.toString()).toMatch(/\[web-1\] failed, exit 3/);
  });

  it('-b groups hosts with the same output under one header, as clush -b', async () => {
    // stdout only: the server groups by a hash of the output in arrival order, and two streams
    // may interleave differently on two hosts.
    const result = await ogent(['run', '-b', '-s', 'role=web', '--', 'echo', 'same', 'words'], env);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toMatch(
      /^-+\n(web-\[1-2\]|web-1,web-2) \(2\)\n-+\nsame words\n$/,
    );
  });

  it('passes each argument as one literal word: the server quotes it, as for -t', async () => {
    const result = await ogent(
      ['run', '-s', 'role=web', '--', 'echo', "it's", 'two  spaces', '$HOME'],
      env,
    );
    expect(result.status).toBe(0);
    for (const host of ['web-1', 'web-2']) {
      expect(linesOf(result.stdout, host).toString()).toBe("it's two  spaces $HOME\n");
    }
    const view = await runView(runIdOf(result.stderr));
    expect(view.command).toBe(`echo 'it'\\''s' 'two  spaces' '$HOME'`);
  });

  it('--log-dir writes one file per host; -P and --max-failures reach the run', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-logs-'));
    try {
      const result = await ogent(
        [
          'run',
          '-s',
          'role=web',
          '-P',
          '1',
          '--max-failures',
          '1',
          '--log-dir',
          dir,
          '--',
          'mixed',
        ],
        env,
      );
      expect(result.status).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['web-1.log', 'web-2.log']);
      for (const file of ['web-1.log', 'web-2.log']) {
        const log = readFileSync(path.join(dir, file));
        expect(log.length).toBe(MIXED_STDOUT.length + MIXED_STDERR.length);
        expect(log.includes(MIXED_STDOUT.subarray(0, 6))).toBe(true);
      }
      const view = await runView(runIdOf(result.stderr));
      expect(view.options).toMatchObject({ concurrency: 1, maxFailures: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl+C cancels the run: nothing left running on the targets, exit 130', async () => {
    const child = spawnOgent(['run', '-s', 'role=web', '--', 'sleep', '4713'], env);
    await vi.waitFor(() => expect(pgrep(cli.sshd.username, 'sleep -- 4713')).toHaveLength(2), {
      timeout: 20_000,
      interval: 100,
    });
    child.kill('SIGINT');
    const result = await child.finished;
    expect(result.status).toBe(130);
    expect(pgrep(cli.sshd.username, 'sleep -- 4713')).toEqual([]);
    expect((await runView(runIdOf(result.stderr))).status).toBe('cancelled');
  });
});
