import { z } from 'zod';
import { connect } from '../connection.js';
import { CliError, describeError } from '../errors.js';

export const targetsOptionsSchema = z.object({ json: z.boolean().default(false) });

/** `ogent targets`: the targets you may use, each with the commands allowed there. */
export async function targetsCommand(
  options: z.infer<typeof targetsOptionsSchema>,
): Promise<number> {
  const { url, client } = connect();
  try {
    const targets = await client.trpc.targets.list.query();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(targets, null, 2)}\n`);
      return 0;
    }
    if (targets.length === 0) process.stderr.write('ogent: no target is open to you\n');
    const lines: string[] = [];
    for (const target of targets) {
      const label = target.label === target.id ? '' : `  ${target.label}`;
      lines.push(`${target.id}${label}  (${target.transport})`);
      for (const command of target.commands) {
        const about = command.description === null ? '' : `    # ${command.description}`;
        lines.push(`  ${command.usage}${about}`);
      }
      if (target.commands.length === 0) lines.push('  (no commands allowed)');
    }
    process.stdout.write(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    throw new CliError(describeError(error, url));
  } finally {
    await client.close();
  }
}
