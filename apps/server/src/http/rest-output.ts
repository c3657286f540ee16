import type { ServerResponse } from 'node:http';
import type { ExecutionRecord } from '@ogent/api';
import { type CastVersion, CastEncoder, castExitStatus } from './asciicast.js';
import { HttpError } from './body.js';
import { outputFileName } from './file-name.js';
import { type Caller, type RestRequest, events } from './rest-request.js';

/** What GET /api/executions/:id/output was asked for. */
type OutputFormat =
  | { readonly format: 'text'; readonly only: 'stdout' | 'stderr' | null }
  | { readonly format: 'cast'; readonly version: CastVersion };

/** The query's format, version and stream, checked against each other. */
function outputFormat(url: URL): OutputFormat {
  const format = url.searchParams.get('format') ?? 'text';
  if (format !== 'text' && format !== 'cast') {
    throw new HttpError(400, 'format must be text or cast.');
  }
  const version = url.searchParams.get('version');
  if (version !== null && (format !== 'cast' || (version !== '2' && version !== '3'))) {
    throw new HttpError(400, 'version (2 or 3) goes with format=cast.');
  }
  const only = url.searchParams.get('stream');
  if (only !== null && (format !== 'text' || (only !== 'stdout' && only !== 'stderr'))) {
    throw new HttpError(400, 'stream must be stdout or stderr, with the text format.');
  }
  return format === 'cast' ? { format, version: version === '2' ? 2 : 3 } : { format, only };
}

/**
 * GET /api/executions/:id/output: an execution's stored output as a text file (stdout and
 * stderr in the order they came), or with `format=cast` as an asciicast recording (v3;
 * `version=2` for players that only know v2). Followed live while the execution runs.
 */
export async function output(request: RestRequest, executionId: string): Promise<void> {
  const { caller } = await request.signedIn();
  const record = await caller.exec.byId({ executionId });
  const asked = outputFormat(new URL(request.req.url ?? '/', 'http://localhost'));
  if (record.outputPrunedAt !== null) {
    throw new HttpError(
      410,
      `The output of this execution was deleted by retention on ${new Date(record.outputPrunedAt).toISOString()}; its record remains.`,
      { outputPrunedAt: new Date(record.outputPrunedAt).toISOString() },
    );
  }
  if (asked.format === 'cast') return recording(request.res, caller, record, asked.version);
  const { res } = request;
  let started = false;
  for await (const message of events(await caller.exec.onOutput({ executionId }))) {
    if (!started) {
      started = true;
      startDownload(res, 'text/plain', outputFileName(record, 'txt'));
    }
    if (message.type === 'output' && (asked.only === null || asked.only === message.stream)) {
      res.write(message.data);
    }
  }
  if (!started) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end();
}

/**
 * A download's status and headers, sent with its first piece: until then an error can still be
 * answered with its own status.
 */
function startDownload(res: ServerResponse, type: string, fileName: string): void {
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'no-store',
  });
}

/**
 * The output as an asciicast recording, streamed: read from the log (or live, while it runs)
 * a piece at a time, each piece written once the client has taken the one before.
 */
async function recording(
  res: ServerResponse,
  caller: Caller,
  record: ExecutionRecord,
  version: CastVersion,
): Promise<void> {
  const cast = new CastEncoder({
    version,
    startedAt: record.createdAt,
    command: record.input,
    title: `${record.target}: ${record.input}`,
  });
  let started = false;
  let ended = false;
  for await (const message of events(await caller.exec.onOutput({ executionId: record.id }))) {
    if (!started) {
      started = true;
      startDownload(res, 'application/x-asciicast', outputFileName(record, 'cast'));
      res.write(cast.header());
    }
    if (message.type === 'output') {
      const lines = cast.output(message);
      if (lines !== '') res.write(lines);
    } else {
      ended = true;
    }
  }
  if (ended) {
    // The record is final once the end has been sent: it holds the exit and when it came.
    const final =
      record.finishedAt === null ? await caller.exec.byId({ executionId: record.id }) : record;
    res.write(cast.exit(castExitStatus(final), final.finishedAt ?? Date.now()));
  }
  res.end();
}
