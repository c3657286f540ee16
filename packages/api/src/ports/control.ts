/**
 * Cancellation across instances: the instance running an execution registers for it; a cancel
 * asked on any instance reaches that one.
 */
export interface Control {
  /** Called by the runner; `onCancel` runs when a cancel arrives. Returns the unregistration. */
  register(executionId: string, onCancel: () => void): () => void;
  /** Asks the runner of the execution to stop it. Resolves whether one was there to ask. */
  cancel(executionId: string): Promise<boolean>;
}
