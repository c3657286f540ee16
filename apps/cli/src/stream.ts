import { type Execution, type ExecutionEnd, refusalOf } from '@ogent/client';
import { CliError, EXIT, describeError } from './errors.js';
import { endMessage, exitStatus } from './exit-status.js';
import type { Sink } from './output.js';

export interface StreamOptions {
  readonly url: string;
  readonly sink: Sink;
  /** Ctrl+C (and SIGTERM): `run` cancels the command, `follow` only stops watching. */
  readonly onInterrupt: 'cancel' | 'detach';
  /** Stops the command (for `run`): aborting the signal given to `client.run`. */
  readonly cancel?: () => void;
}

/** As a shell reports a writer killed by SIGPIPE. */
const SIGPIPE_STATUS = 128 + 13;

function say(message: string): void {
  process.stderr.write(`ogent: ${message}\n`);
}

/**
 * Streams an execution to the sink and returns the exit status. The first Ctrl+C cancels the
 * command (`run`) and waits for the server to confirm its end, so nothing is left running; a
 * second one exits at once. stdout closing early (`| head`) cancels it too, as SIGPIPE would.
 */
export async function streamExecution(
  execution: Execution,
  options: StreamOptions,
): Promise<number> {
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted !== null || options.onInterrupt === 'detach') {
      // Not waiting any longer: the second Ctrl+C, or `follow`, which has nothing to stop.
      process.exit(signal === 'SIGTERM' ? 143 : EXIT.interrupted);
    }
    interrupted = signal;
    if (process.stderr.isTTY) say('cancelling (Ctrl+C again to stop waiting)');
    options.cancel?.();
  };
  let stdoutClosed = false;
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE') throw error;
    // Nobody reads any more: `run` cancels the command and waits for its end, dropping its
    // output; `follow` has nothing to stop.
    if (options.onInterrupt === 'detach') process.exit(SIGPIPE_STATUS);
    stdoutClosed = true;
    options.cancel?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  try {
    let executionId: string;
    try {
      executionId = await execution.id;
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === null) throw error;
      await options.sink.refused({
        reason: refusal.reason,
        rule: refusal.rule,
        refusalCode: refusal.refusalCode,
        executionId: refusal.executionId,
      });
      say(`refused: ${refusal.reason}`);
      return EXIT.refused;
    }
    await options.sink.started(executionId);
    const events = execution[Symbol.asyncIterator]();
    let end: ExecutionEnd;
    for (;;) {
      const step = await events.next();
      if (step.done === true) {
        end = step.value;
        break;
      }
      if (!stdoutClosed) await options.sink.output(step.value);
    }
    if (stdoutClosed) return SIGPIPE_STATUS;
    await options.sink.end(end);
    if (interrupted !== null) return interrupted === 'SIGTERM' ? 143 : EXIT.interrupted;
    const message = endMessage(end);
    if (message !== null) say(message);
    return exitStatus(end);
  } catch (error) {
    throw new CliError(describeError(error, options.url), EXIT.failed);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
}
