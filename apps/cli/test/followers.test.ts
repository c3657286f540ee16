import type { ExecutionEvent, FollowPhase, RunProgressEvent } from '@ogent/client';
import { type TypedClient, typedClient } from '@ogent/server/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CliStack, startCliStack, tokenFor } from './helpers.js';

// The client's followers (@ogent/client) against the real server: they live in the client, whose
// package cannot start a server (the server's tests depend on the client), and the CLI is built
// on them.

let cli: CliStack;
let alice: TypedClient;

beforeAll(async () => {
  cli = await startCliStack();
  const token = await tokenFor(cli.url, 'alice');
  alice = typedClient(cli.url, () => token);
});

afterAll(async () => {
  await alice?.close();
  await cli?.stop();
});

/** `seq 1 n`'s output. */
function seqOutput(n: number): Buffer {
  return Buffer.from(`${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n`);
}

describe('followOutput', () => {
  it('resumes after a dropped connection right after the last event: nothing lost or doubled', async () => {
    const n = 600_000; // about 4 MB of lines
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'seq',
      params: ['1', String(n)],
    });
    const follower = alice.followOutput(executionId);
    const events: ExecutionEvent[] = [];
    const phases: FollowPhase[] = [];
    let drops = 0;
    follower.listen({
      event: (event) => {
        events.push(event);
        // Drop the connection three times mid-stream.
        if (drops < 3 && event.seq > (drops + 1) * 10) {
          drops += 1;
          alice.dropConnection();
        }
      },
      phase: (phase) => phases.push(phase),
    });
    follower.start();
    await vi.waitFor(() => expect(follower.phase).toBe('ended'), { timeout: 60_000 });

    expect(drops).toBe(3);
    expect(phases).toContain('reconnecting');
    expect(phases.at(-1)).toBe('ended');
    const seqs = events.map((event) => event.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const stdout = Buffer.concat(
      events.flatMap((event) => (event.type === 'output' ? [event.data] : [])),
    );
    expect(stdout.equals(seqOutput(n))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'completed', exitCode: 0 });
    expect(follower.lastSeq).toBe(events.at(-1)?.seq);
  });

  it('a quiet stream goes back to live once the dropped connection is back', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'sleep 30',
    });
    const follower = alice.followOutput(executionId);
    const phases: FollowPhase[] = [];
    follower.listen({ phase: (phase) => phases.push(phase) });
    follower.start();
    await vi.waitFor(() => expect(follower.phase).toBe('live'), { timeout: 10_000 });
    alice.dropConnection();
    await vi.waitFor(() => expect(phases).toContain('reconnecting'), { timeout: 10_000 });
    await vi.waitFor(() => expect(follower.phase).toBe('live'), { timeout: 10_000 });
    expect(phases).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    await alice.trpc.exec.cancel.mutate({ executionId });
    await vi.waitFor(() => expect(follower.phase).toBe('ended'), { timeout: 10_000 });
  });

  it('stop() then start() resumes after the last event delivered', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'emit 30 1',
    });
    const follower = alice.followOutput(executionId);
    const events: ExecutionEvent[] = [];
    follower.listen({ event: (event) => events.push(event) });
    follower.start();
    await vi.waitFor(() => expect(events.length).toBeGreaterThan(2), { timeout: 10_000 });
    follower.stop();
    expect(follower.phase).toBe('idle');
    const heard = events.length;
    // While stopped nothing arrives, though the command goes on writing.
    await vi.waitFor(
      async () => {
        const record = await alice.trpc.exec.byId.query({ executionId });
        expect(record.lastSeq).toBeGreaterThan(follower.lastSeq);
      },
      { timeout: 10_000 },
    );
    expect(events).toHaveLength(heard);
    follower.start();
    await vi.waitFor(() => expect(follower.phase).toBe('ended'), { timeout: 20_000 });
    const text = Buffer.concat(
      events.flatMap((event) =>
        event.type === 'output' && event.stream === 'stdout' ? [event.data] : [],
      ),
    ).toString();
    expect(text).toBe(Array.from({ length: 30 }, (_, i) => `out ${i + 1}\n`).join(''));
  });
});

describe('followRun', () => {
  it('follows a run to its end across a dropped connection: every host once per change, in order', async () => {
    const { runId } = await alice.trpc.runs.start.mutate({
      command: 'emit',
      params: ['20', '1'],
      selector: 'role=web',
      concurrency: 1,
    });
    const run = alice.followRun(runId);
    const events: RunProgressEvent[] = [];
    let dropped = false;
    run.listen({
      event: (event) => {
        events.push(event);
        if (!dropped) {
          dropped = true;
          alice.dropConnection();
        }
      },
    });
    const end = await run.result();

    expect(dropped).toBe(true);
    expect(end).toMatchObject({ type: 'end', status: 'succeeded' });
    expect(end.summary).toMatchObject({ total: 2, succeeded: 2 });
    const seqs = events.map((event) => event.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    // What the follower pieced together is what the server holds.
    const view = await alice.trpc.runs.byId.query({ runId });
    const byTarget = (a: { target: string }, b: { target: string }): number =>
      a.target.localeCompare(b.target);
    expect(
      [...run.hosts.values()].sort(byTarget).map((h) => [h.target, h.status, h.version]),
    ).toEqual([...view.hosts].sort(byTarget).map((h) => [h.target, h.status, h.version]));
    expect(run.status).toBe('succeeded');
    expect(run.summary).toEqual(view.summary);

    // Resuming after a seq gives exactly the changes after it: the end, and nothing older.
    const last = events.filter((event) => event.type === 'hosts').at(-1);
    const resumed = alice.followRun(runId, { after: last?.seq ?? 0 });
    const later: RunProgressEvent[] = [];
    resumed.listen({ event: (event) => later.push(event) });
    await resumed.result();
    expect(later.map((event) => event.type)).toEqual(['end']);
  });

  it('abort stops following cleanly: result() rejects with the reason, nothing more arrives', async () => {
    const { runId } = await alice.trpc.runs.start.mutate({
      command: 'sleep',
      params: ['30'],
      selector: 'role=web',
    });
    const controller = new AbortController();
    const run = alice.followRun(runId, { signal: controller.signal });
    const events: RunProgressEvent[] = [];
    run.listen({ event: (event) => events.push(event) });
    const result = run.result();
    await vi.waitFor(() => expect(run.summary?.running).toBe(2), { timeout: 10_000 });
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(run.phase).toBe('idle');
    const heard = events.length;

    // The run ends; a follower still watching hears it, the aborted one does not, even if asked.
    await alice.trpc.runs.cancel.mutate({ runId });
    run.start();
    const end = await alice.followRun(runId).result();
    expect(end.status).toBe('cancelled');
    expect(events).toHaveLength(heard);
    expect(run.phase).toBe('idle');
    await expect(run.result()).rejects.toBe(reason);
  });
});
