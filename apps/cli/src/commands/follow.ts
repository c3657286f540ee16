import { z } from 'zod';
import { connect } from '../connection.js';
import { EXIT } from '../errors.js';
import { jsonSink, rawSink } from '../output.js';
import { streamExecution } from '../stream.js';

export const followOptionsSchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  json: z.boolean().default(false),
});

/**
 * `ogent follow ID`: the output of an execution, live or finished, then its exit status as
 * `run` would give it. Ctrl+C stops watching; the command goes on.
 */
export async function followCommand(
  executionId: string,
  options: z.infer<typeof followOptionsSchema>,
): Promise<number> {
  const { url, client } = connect(process.env, EXIT.failed);
  try {
    return await streamExecution(client.follow(executionId, { after: options.after }), {
      url,
      sink: options.json ? jsonSink() : rawSink(),
      onInterrupt: 'detach',
    });
  } finally {
    await client.close();
  }
}
