import { connect } from '../connection.js';
import { CliError, describeError } from '../errors.js';

/** `ogent cancel ID`: stops a running execution (TERM, then KILL after 2 s). */
export async function cancelCommand(executionId: string): Promise<number> {
  const { url, client } = connect();
  try {
    const result = await client.trpc.exec.cancel.mutate({ executionId });
    if (!result.cancelled) {
      throw new CliError(`${executionId} is not running (${result.status})`);
    }
    process.stdout.write(`cancelled ${executionId}\n`);
    return 0;
  } catch (error) {
    throw error instanceof CliError ? error : new CliError(describeError(error, url));
  } finally {
    await client.close();
  }
}
