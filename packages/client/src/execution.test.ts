import type { TRPCClient } from '@trpc/client';
import { describe, expect, it, vi } from 'vitest';
import { Execution } from './execution.js';
import type { AppRouter } from './router.js';
import type { ExecutionEvent } from './types.js';

const MiB = 1024 * 1024;

/**
 * A stand-in for the server's `exec.onOutput`: an execution whose output is `chunks` (1 MiB
 * each), sent from after `lastEventId` as fast as the subscriber takes it, then the end. Records
 * every subscription, as the server would see it.
 */
function fakeServer(chunks: number) {
  const subscriptions: { lastEventId: string | undefined; stopped: boolean }[] = [];
  const trpc = {
    exec: {
      onOutput: {
        subscribe(
          input: { executionId: string; lastEventId?: string },
          handlers: { onData: (value: { id: string; data: ExecutionEvent }) => void },
        ) {
          const record = { lastEventId: input.lastEventId, stopped: false };
          subscriptions.push(record);
          void (async () => {
            for (let seq = Number(input.lastEventId ?? 0) + 1; seq <= chunks + 1; seq += 1) {
              await Promise.resolve();
              if (record.stopped) return;
              const data: ExecutionEvent =
                seq <= chunks
                  ? {
                      type: 'output',
                      seq,
                      stream: 'stdout',
                      data: new Uint8Array(MiB).fill(seq),
                      times: [[0, seq]],
                    }
                  : {
                      type: 'end',
                      seq,
                      status: 'completed',
                      exitCode: 0,
                      signal: null,
                      execTime: 1,
                      truncated: false,
                      outputBytes: chunks * MiB,
                      error: null,
                    };
              handlers.onData({ id: String(seq), data });
            }
          })();
          return {
            unsubscribe: () => {
              record.stopped = true;
            },
          };
        },
      },
    },
  };
  return {
    subscriptions,
    deps: {
      trpc: trpc as unknown as TRPCClient<AppRouter>,
      watchTokenRejected: () => () => undefined,
    },
  };
}

describe('Execution', () => {
  it('a reader that falls behind makes the client stop receiving, then resume where it stopped', async () => {
    const server = fakeServer(40);
    const iterator = Execution.follow(server.deps, 'id', {})[Symbol.asyncIterator]();
    const first = await iterator.next();
    // The reader pauses: the server sends until 8 MiB wait unread, then the client unsubscribes.
    await vi.waitFor(() => expect(server.subscriptions[0]?.stopped).toBe(true));
    expect(server.subscriptions).toHaveLength(1);

    const seen = [first.value];
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) {
        expect(step.value).toMatchObject({ type: 'end', seq: 41, exitCode: 0 });
        break;
      }
      seen.push(step.value);
    }
    // Every chunk once, in order, across the subscriptions.
    expect(seen.map((chunk) => (typeof chunk === 'object' ? chunk.seq : null))).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(server.subscriptions.length).toBeGreaterThan(1);
    // Each resumed after the last chunk queued before it.
    for (const subscription of server.subscriptions.slice(1)) {
      expect(Number(subscription.lastEventId)).toBeGreaterThan(0);
    }
  });

  it('result() reads and drops the output, and gives the end', async () => {
    const server = fakeServer(3);
    const end = await Execution.follow(server.deps, 'id', {}).result();
    expect(end).toMatchObject({ type: 'end', status: 'completed', seq: 4 });
  });

  it('follow({ after }) asks for the output after that seq only', async () => {
    const server = fakeServer(5);
    const seqs: number[] = [];
    for await (const chunk of Execution.follow(server.deps, 'id', { after: 3 }))
      seqs.push(chunk.seq);
    expect(seqs).toEqual([4, 5]);
    expect(server.subscriptions[0]?.lastEventId).toBe('3');
  });

  it('is read by one reader at a time', () => {
    const execution = Execution.follow(fakeServer(1).deps, 'id', {});
    execution[Symbol.asyncIterator]();
    expect(() => execution[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});
