import { z } from 'zod';
import { connect } from '../connection.js';
import { EXIT } from '../errors.js';
import { jsonSink, rawSink } from '../output.js';
import { streamExecution } from '../stream.js';

export const runOptionsSchema = z.object({
  target: z.string().min(1),
  json: z.boolean().default(false),
});

/**
 * `ogent run -t TARGET -- COMMAND [ARGS...]`: each argument is one literal word (the server
 * quotes it), as with `ssh host -- cmd args` minus the remote shell. Returns the exit status.
 */
export async function runCommand(
  argv: readonly string[],
  options: z.infer<typeof runOptionsSchema>,
): Promise<number> {
  const { url, client } = connect(process.env, EXIT.failed);
  const controller = new AbortController();
  try {
    const execution = client.run(options.target, argv, { signal: controller.signal });
    return await streamExecution(execution, {
      url,
      sink: options.json ? jsonSink() : rawSink(),
      onInterrupt: 'cancel',
      cancel: () => controller.abort(),
    });
  } finally {
    await client.close();
  }
}
