import { type ExecutionEvent, Follower, type StreamObserver } from '@ogent/client';
import { describe, expect, it } from 'vitest';
import { end, out } from '../output/test-messages';
import { ExecutionFeed } from './execution-feed';

/**
 * A feed over the client's Follower, whose subscription the test drives by hand in place of
 * `exec.onOutput` over the WebSocket.
 */
function feed() {
  const opened: { after: number; observer: StreamObserver<ExecutionEvent>; stopped: boolean }[] =
    [];
  const follower = new Follower<ExecutionEvent>({
    open: (after, observer) => {
      const subscription = { after, observer, stopped: false };
      opened.push(subscription);
      return { unsubscribe: () => (subscription.stopped = true) };
    },
    isEnd: (event) => event.type === 'end',
  });
  const latest = (): StreamObserver<ExecutionEvent> => {
    const observer = opened.at(-1)?.observer;
    if (observer === undefined) throw new Error('nothing subscribed');
    return observer;
  };
  return { feed: new ExecutionFeed(follower), opened, latest };
}

describe('ExecutionFeed', () => {
  it('gathers the output into its buffer once, in order, across a stop and a resume', () => {
    const { feed: f, opened, latest } = feed();
    f.start();
    latest().onStarted();
    const first = out('one\n');
    const second = out('two\n');
    latest().onData(first);
    latest().onData(second);
    f.stop();
    f.start();
    expect(opened[1]?.after).toBe(second.seq);
    // A resumed stream that repeats itself doubles no line.
    latest().onData(second);
    latest().onData(out('three\n'));
    expect(f.buffer.lineCount).toBe(3);
    expect(f.buffer.plainText(0, 3)).toBe('one\ntwo\nthree');
  });

  it('tells the view of every event and change of phase, then ends with the end event', () => {
    const { feed: f, opened, latest } = feed();
    let notified = 0;
    f.subscribe(() => (notified += 1));
    f.start();
    expect(f.phase).toBe('connecting');
    latest().onStarted();
    expect(f.phase).toBe('live');
    expect(notified).toBe(2);
    latest().onData(out('done\n'));
    expect(notified).toBe(3);
    latest().onData(end());
    expect(f.phase).toBe('ended');
    expect(f.buffer.end?.status).toBe('completed');
    expect(opened[0]?.stopped).toBe(true);
    // The end event, then the phase.
    expect(notified).toBe(5);
  });

  it('fails with the error the stream gave, and says so', () => {
    const { feed: f, latest } = feed();
    f.start();
    const error = new Error('no such execution');
    latest().onError(error);
    expect(f.phase).toBe('failed');
    expect(f.error).toBe(error);
  });
});
