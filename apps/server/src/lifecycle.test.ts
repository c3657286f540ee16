import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('stops work first, then closes what opened last first, once however often it is called', async () => {
    const lifecycle = new Lifecycle();
    const steps: string[] = [];
    lifecycle.onClose('database', () => void steps.push('database'));
    lifecycle.onClose('connections', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      steps.push('connections');
    });
    lifecycle.preClose('executions', () => void steps.push('executions'));
    lifecycle.preClose('listener', () => void steps.push('listener'));
    const first = lifecycle.close();
    // Work is refused within the call itself, before it returns.
    expect(steps).toEqual(['listener', 'executions']);
    await Promise.all([first, lifecycle.close()]);
    await lifecycle.close();
    expect(steps).toEqual(['listener', 'executions', 'connections', 'database']);
  });

  it('runs every hook when one fails, then throws that failure naming the hook', async () => {
    const lifecycle = new Lifecycle();
    const closed: string[] = [];
    lifecycle.onClose('database', () => void closed.push('database'));
    lifecycle.onClose('timer', () => {
      throw new Error('boom');
    });
    lifecycle.preClose('executions', () => Promise.reject(new Error('refused')));
    const error: unknown = await lifecycle.close().catch((thrown: unknown) => thrown);
    expect(closed).toEqual(['database']);
    expect(error).toMatchObject({
      message: 'closing executions failed',
      cause: { message: 'refused' },
    });
  });
});
