import {
  EXECUTION_STATES,
  type ExecutionRecord,
  type RouterInputs,
  type RouterOutputs,
} from '@ogent/client';
import { z } from 'zod';
import { connect } from '../connection.js';
import { CliError, describeError } from '../errors.js';

export const historyOptionsSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  target: z.string().optional(),
  status: z.enum(EXECUTION_STATES).optional(),
  user: z.string().optional(),
  search: z.string().optional(),
  grep: z.string().optional(),
  json: z.boolean().default(false),
});

type ListItem = RouterOutputs['exec']['list']['items'][number];

/** A snippet on one line: its matches in bold on a terminal, plain text otherwise. */
function snippetLine(item: ListItem, terminal: boolean): string | null {
  const parts = item.snippet ?? [];
  if (parts.length === 0) return null;
  return parts
    .map((p) => {
      // Snippets hold no control characters (the server removes them); folded here anyway.
      // eslint-disable-next-line no-control-regex
      const text = p.text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
      return p.match && terminal ? `\x1b[1m${text}\x1b[22m` : text;
    })
    .join('');
}

/** `65536` as `64 KiB`. */
function bytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

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
      ...(options.grep === undefined ? {} : { text: options.grep }),
    };
    const { items } = await client.trpc.exec.list.query(query);
    if (options.grep !== undefined && process.stderr.isTTY) {
      const { outputBytes } = await client.trpc.exec.searchScope.query();
      process.stderr.write(
        outputBytes === 0
          ? 'ogent: searched commands only (output search is off on this server)\n'
          : `ogent: searched commands and the first ${bytes(outputBytes)} of each output\n`,
      );
    }
    if (options.json) {
      for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`);
      return 0;
    }
    const rows = [
      ['WHEN (UTC)', 'ID', 'USER', 'TARGET', 'STATUS', 'EXIT', 'TIME', 'COMMAND'],
      ...items.map(row),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    const terminal = process.stdout.isTTY;
    const text = rows
      .map((r, i) => {
        const line = r
          .map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j] ?? 0)))
          .join('  ')
          .replace(/[\r\n\t]/g, ' ');
        // Under each execution whose output matched --grep, the output around the match.
        const item = i === 0 ? undefined : items[i - 1];
        const snippet = item === undefined ? null : snippetLine(item, terminal);
        return snippet === null ? line : `${line}\n    ${snippet}`;
      })
      .join('\n');
    process.stdout.write(`${text}\n`);
    return 0;
  } catch (error) {
    throw new CliError(describeError(error, url));
  } finally {
    await client.close();
  }
}
