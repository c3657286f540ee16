import type { Control } from '../ports/control.js';

/** The single node's control: cancels reach runners in this process. */
export class InProcessControl implements Control {
  private readonly handlers = new Map<string, () => void>();

  register(executionId: string, onCancel: () => void): () => void {
    this.handlers.set(executionId, onCancel);
    return () => {
      if (this.handlers.get(executionId) === onCancel) this.handlers.delete(executionId);
    };
  }

  cancel(executionId: string): Promise<boolean> {
    const handler = this.handlers.get(executionId);
    handler?.();
    return Promise.resolve(handler !== undefined);
  }
}
