import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { connect } from '../connection.js';
import { CliError, EXIT, describeError } from '../errors.js';

/** Events read per query, the server's most; how often `--follow` asks for more. */
const PAGE = 5_000;
const FOLLOW_MS = 500;

/**
 * `ogent audit verify`: checks the audit trail's hash chain on the server. Exit 0 and one line
 * when it is whole; 1 and the first broken link otherwise.
 */
export async function auditVerifyCommand(): Promise<number> {
  const { url, client } = connect();
  try {
    const check = await client.trpc.audit.verify.query();
    if (check.intact) {
      process.stdout.write(
        `The audit trail is whole: ${check.events} events, the last #${check.lastId} (sha256 ${check.lastHash}).\n`,
      );
      return 0;
    }
    process.stdout.write(`The audit trail is broken at event #${check.id}: ${check.problem}.\n`);
    return 1;
  } catch (error) {
    throw new CliError(describeError(error, url));
  } finally {
    await client.close();
  }
}

export const auditListOptionsSchema = z.object({
  after: z.coerce
    .number({ message: '--after takes an event id' })
    .int('--after takes an event id')
    .min(0, '--after takes an event id')
    .default(0),
  follow: z.boolean().default(false),
});

/**
 * `ogent audit list [--after ID] [--follow]`: audit events as JSON lines, as `GET /api/audit`
 * sends them (`data` as an object), oldest first. `--follow` then waits for new ones until
 * Ctrl+C (status 130); a collector resumes with `--after` the last id it stored.
 */
export async function auditListCommand(
  options: z.infer<typeof auditListOptionsSchema>,
): Promise<number> {
  const { url, client } = connect();
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    stoppedBy = signal;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let after = options.after;
    while (!stop.signal.aborted) {
      const page = await client.trpc.audit.list.query({ after, limit: PAGE });
      for (const event of page) {
        const line = `${JSON.stringify({ ...event, data: JSON.parse(event.data) as unknown })}\n`;
        if (!process.stdout.write(line)) {
          await new Promise((resolve) => process.stdout.once('drain', resolve));
        }
        after = event.id;
      }
      if (page.length < PAGE) {
        if (!options.follow) break;
        await sleep(FOLLOW_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
    // As `ogent follow`: 130 after Ctrl+C, 143 after TERM.
    return stoppedBy === null ? 0 : stoppedBy === 'SIGTERM' ? 143 : EXIT.interrupted;
  } catch (error) {
    throw new CliError(describeError(error, url));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}
