import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import {
  FINAL_HOST_STATUSES,
  type OgentClient,
  type RunEnd,
  type RunHost,
  type RunView,
} from '@ogent/client';
import { z } from 'zod';
import { connect } from '../connection.js';
import { CliError, EXIT, describeError } from '../errors.js';

export const fleetOptionsSchema = z.object({
  selector: z.string().min(1),
  parallel: z.coerce.number().int().min(1).optional(),
  maxFailures: z.coerce.number().int().min(1).optional(),
  gather: z.boolean().default(false),
  logDir: z.string().optional(),
});

/** Followed at once, at most: each is a subscription on the one WebSocket the server caps. */
const MAX_FOLLOWED = 16;

/** Splits a host's output into lines, each written with the host's name in front. */
class LinePrefixer {
  private readonly pending = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

  constructor(
    private readonly prefix: Buffer,
    private readonly write: (stream: 'stdout' | 'stderr', data: Buffer) => void,
  ) {}

  push(stream: 'stdout' | 'stderr', data: Uint8Array): void {
    let buffer = Buffer.concat([this.pending[stream], data]);
    for (let newline = buffer.indexOf(10); newline !== -1; newline = buffer.indexOf(10)) {
      this.write(stream, Buffer.concat([this.prefix, buffer.subarray(0, newline + 1)]));
      buffer = buffer.subarray(newline + 1);
    }
    this.pending[stream] = buffer;
  }

  /** A last line without its newline gets one. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream].length > 0) this.push(stream, Buffer.from('\n'));
    }
  }
}

/** A status line on stderr, for a terminal only; cleared before anything else is written. */
class ProgressLine {
  private shown = false;
  private readonly enabled = process.stderr.isTTY === true;

  show(text: string): void {
    if (!this.enabled) return;
    process.stderr.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

function describeHost(host: RunHost): string {
  if (host.error !== null) return `${host.status}: ${host.error.message} (${host.error.code})`;
  if (host.exitCode !== null) return `${host.status}, exit ${host.exitCode}`;
  if (host.signal !== null) return `${host.status}, signal ${host.signal}`;
  return host.status;
}

/**
 * `ogent run -s SELECTOR -- COMMAND`: the command on every target the selector matches, as one
 * run. Each host's output line by line with `[host]` in front (or, with `-b`, hosts with the same
 * output together, as `clush -b` does), then a summary. Exit status 0 when every host
 * succeeded, 1 otherwise (255 when the run could not be started or watched, 130 after Ctrl+C,
 * which cancels the run).
 */
export async function fleetCommand(
  argv: readonly string[],
  options: z.infer<typeof fleetOptionsSchema>,
): Promise<number> {
  const [command, ...params] = argv;
  if (command === undefined) throw new CliError('no command given', EXIT.usage);
  const { url, client } = connect(process.env, EXIT.failed);
  const progress = new ProgressLine();
  let interrupted = false;
  let runId: string | undefined;
  const onSignal = (): void => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    progress.clear();
    if (process.stderr.isTTY)
      process.stderr.write('ogent: cancelling the run (Ctrl+C again to stop waiting)\n');
    if (runId !== undefined) void client.trpc.runs.cancel.mutate({ runId }).catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    ({ runId } = await client.trpc.runs.start.mutate({
      command,
      // Each argument one literal word: the server quotes them, as for `ogent run -t`.
      ...(params.length === 0 ? {} : { params }),
      selector: options.selector,
      ...(options.parallel === undefined ? {} : { concurrency: options.parallel }),
      ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
    }));
    if (interrupted) await client.trpc.runs.cancel.mutate({ runId });
    if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true });
    const outputs = new HostOutputs(client, options, progress);
    const end = await watchRun(client, runId, outputs, progress);
    await outputs.done();
    progress.clear();
    const view = await client.trpc.runs.byId.query({ runId });
    if (options.gather) printGroups(view, outputs);
    printSummary(view, end);
    if (interrupted) return EXIT.interrupted;
    return end.status === 'succeeded' && end.summary.succeeded === end.summary.total ? 0 : 1;
  } catch (error) {
    progress.clear();
    throw new CliError(describeError(error, url), EXIT.failed);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}

/** Follows the run's progress to its end, starting to read each host's output once it has one. */
function watchRun(
  client: OgentClient,
  runId: string,
  outputs: HostOutputs,
  progress: ProgressLine,
): Promise<RunEnd> {
  const run = client.followRun(runId);
  run.listen({
    event: (event) => {
      if (event.type === 'end') return;
      for (const host of event.hosts) outputs.update(host);
      const s = event.summary;
      progress.show(
        `[${s.total - s.pending - s.running}/${s.total}] running ${s.running}, ` +
          `succeeded ${s.succeeded}, failed ${s.failed + s.refused}, ` +
          `cancelled ${s.cancelled + s.skipped}`,
      );
    },
  });
  return run.result();
}

/** Every host's output: read as soon as the host has an execution, at most MAX_FOLLOWED at once. */
class HostOutputs {
  /** Each host's bytes in arrival order, both streams (for -b and the log files). */
  readonly bytes = new Map<string, Buffer[]>();
  private readonly started = new Set<string>();
  private readonly queue: RunHost[] = [];
  private readonly reading = new Set<Promise<void>>();
  private readonly failures: unknown[] = [];

  constructor(
    private readonly client: OgentClient,
    private readonly options: z.infer<typeof fleetOptionsSchema>,
    private readonly progress: ProgressLine,
  ) {}

  update(host: RunHost): void {
    if (host.executionId === null || this.started.has(host.target)) return;
    // A refused host has an audit record but no output worth reading; skipped ones have neither.
    if (host.status === 'refused' || host.status === 'skipped') return;
    this.started.add(host.target);
    this.queue.push(host);
    this.next();
  }

  async done(): Promise<void> {
    while (this.reading.size > 0 || this.queue.length > 0) {
      await Promise.all(this.reading);
    }
    if (this.failures.length > 0) throw this.failures[0];
  }

  private next(): void {
    while (this.reading.size < MAX_FOLLOWED) {
      const host = this.queue.shift();
      if (host === undefined) return;
      const reading = this.read(host).catch((error: unknown) => {
        this.failures.push(error);
      });
      this.reading.add(reading);
      void reading.finally(() => {
        this.reading.delete(reading);
        this.next();
      });
    }
  }

  private async read(host: RunHost): Promise<void> {
    if (host.executionId === null) return;
    const chunks: Buffer[] = [];
    this.bytes.set(host.target, chunks);
    let log: WriteStream | undefined;
    if (this.options.logDir !== undefined) {
      log = createWriteStream(path.join(this.options.logDir, `${host.target}.log`));
    }
    const lines = this.options.gather
      ? undefined
      : new LinePrefixer(Buffer.from(`[${host.target}] `), (stream, data) => {
          this.progress.clear();
          (stream === 'stdout' ? process.stdout : process.stderr).write(data);
        });
    try {
      for await (const chunk of this.client.follow(host.executionId)) {
        const data = Buffer.from(chunk.data);
        chunks.push(data);
        log?.write(data);
        lines?.push(chunk.stream, data);
      }
      lines?.flush();
    } finally {
      if (log !== undefined) await new Promise((resolve) => log.end(resolve));
    }
  }
}

/** `-b`: each set of hosts that ended alike, under one header with their names folded. */
function printGroups(view: RunView, outputs: HostOutputs): void {
  for (const group of view.groups) {
    const rule = '-'.repeat(Math.min(72, Math.max(15, group.label.length + 6)));
    process.stdout.write(`${rule}\n${group.label} (${group.targets.length})\n${rule}\n`);
    const first = group.targets[0];
    const bytes = first === undefined ? undefined : outputs.bytes.get(first);
    if (bytes !== undefined) {
      const data = Buffer.concat(bytes);
      process.stdout.write(data);
      if (data.length > 0 && data[data.length - 1] !== 10) process.stdout.write('\n');
    } else if (group.status !== 'succeeded') {
      process.stdout.write(
        `(${group.status}${group.errorCode === null ? '' : `: ${group.errorCode}`})\n`,
      );
    }
  }
}

function printSummary(view: RunView, end: RunEnd): void {
  const s = end.summary;
  const counts = [
    `${s.succeeded} succeeded`,
    s.failed > 0 ? `${s.failed} failed` : '',
    s.refused > 0 ? `${s.refused} refused` : '',
    s.cancelled > 0 ? `${s.cancelled} cancelled` : '',
    s.skipped > 0 ? `${s.skipped} skipped` : '',
  ].filter(Boolean);
  const lines = [`ogent: run ${view.id} ${end.status}: ${s.total} hosts, ${counts.join(', ')}`];
  if (end.stopReason !== null) lines.push(`ogent: stopped: ${end.stopReason}`);
  for (const host of view.hosts) {
    if (host.status !== 'succeeded' && FINAL_HOST_STATUSES.has(host.status)) {
      lines.push(`ogent:   [${host.target}] ${describeHost(host)}`);
    }
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
