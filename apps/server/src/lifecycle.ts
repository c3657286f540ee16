/** A step of shutdown, named for the log and for errors. */
interface Hook {
  readonly name: string;
  readonly run: () => void | Promise<void>;
}

/**
 * Shutdown, registered where each resource opens rather than written as one ordered list (as
 * fastify's `preClose` and `onClose` hooks). {@link close} starts every `preClose` hook at once,
 * then, once they are done, runs the `onClose` hooks one by one in reverse order of
 * registration: what opened last, and may use what opened before it, closes first. It runs once;
 * later calls wait for the same shutdown.
 */
export class Lifecycle {
  readonly #preClose: Hook[] = [];
  readonly #onClose: Hook[] = [];
  #closing: Promise<void> | undefined;

  /** Stops something taking work (new requests, new executions) before anything is released. */
  preClose(name: string, run: () => void | Promise<void>): void {
    this.#preClose.push({ name, run });
  }

  /** Releases a resource (timers, connections, files, databases). */
  onClose(name: string, run: () => void | Promise<void>): void {
    this.#onClose.push({ name, run });
  }

  /**
   * Runs the hooks. A hook that fails does not keep the ones after it from running (a database
   * still closes when a timer's hook threw); the first failure is thrown at the end, naming its
   * hook.
   */
  close(): Promise<void> {
    this.#closing ??= this.#run();
    return this.#closing;
  }

  async #run(): Promise<void> {
    // Started together and at once, within the call to close(): work offered in the same tick
    // (a request, a run's next host) is already refused.
    const stopping = [...this.#preClose].reverse().map((hook) => settle(hook));
    const failures = (await Promise.all(stopping)).filter((failure) => failure !== undefined);
    for (const hook of [...this.#onClose].reverse()) {
      const failure = await settle(hook);
      if (failure !== undefined) failures.push(failure);
    }
    const [first] = failures;
    if (first !== undefined) throw first;
  }
}

/** Runs a hook; its failure, named, instead of a throw. */
async function settle(hook: Hook): Promise<Error | undefined> {
  try {
    await hook.run();
    return undefined;
  } catch (error) {
    return new Error(`closing ${hook.name} failed`, { cause: error });
  }
}
