import type { ExecutionRecord, RouterInputs } from '@ogent/client';
import { z } from 'zod';
import { connect } from '../connection.js';
import { CliError, describeError } from '../errors.js';

export const historyOptionsSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  target: z.string().optional(),
  status: z
    .enum([
      'refused',
      'running',
      'completed',
      'failed',
      'cancelled',
      'timed_out',
      'truncated',
      'interrupted',
    ])
    .optional(),
  user: z.string().optional(),
  search: z.string().optional(),
  json: z.boolean().default(false),
});

function row(record: ExecutionRecord): string[] {
  const when = new Date(record.createdAt).toISOString().replace('T', ' ').slice(0, 19);
  const exit =
    record.exitCode !== null
      ? String(record.exitCode)
      : (record.signal ?? record.refusalCode ?? '');
  const duration = record.durationMs === null ? '' : `${record.durationMs} ms`;
  return [
    when,
    record.id,
    record.username,
    record.target,
    record.status,
    exit,
    duration,
    record.input,
  ];
}

/** `ogent history`: your executions, newest first (everyone's with a role that sees all). */
export async function historyCommand(
  options: z.infer<typeof historyOptionsSchema>,
): Promise<number> {
  const { url, client } = connect();
  try {
    const query: RouterInputs['exec']['list'] = {
      limit: options.limit,
      ...(options.target === undefined ? {} : { target: options.target }),
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.user === undefined ? {} : { username: options.user }),
      ...(options.search === undefined ? {} : { search: options.search }),
    };
    const { items } = await client.trpc.exec.list.query(query);
    if (options.json) {
      for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`);
      return 0;
    }
    const rows = [
      ['WHEN (UTC)', 'ID', 'USER', 'TARGET', 'STATUS', 'EXIT', 'TIME', 'COMMAND'],
      ...items.map(row),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    const text = rows
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .replace(/[\r\n\t]/g, ' '),
      )
      .join('\n');
    process.stdout.write(`${text}\n`);
    return 0;
  } catch (error) {
    throw new CliError(describeError(error, url));
  } finally {
    await client.close();
  }
}
