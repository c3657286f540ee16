import type { EndMessage } from '@ogent/api';
import { readJsonObject, sendJson } from './body.js';
import { type Caller, type RestRequest, events } from './rest-request.js';

/** Output returned inline by POST /api/command and per host by POST /api/runs. */
const INLINE_OUTPUT_BYTES = 4 * 1024 * 1024;

/** An execution's output as answered inline, and how it ended. */
interface InlineOutput {
  readonly output: Buffer;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Output beyond INLINE_OUTPUT_BYTES was left out (it is stored: see outputUrl). */
  readonly cut: boolean;
  /** Undefined when the response closed before the end. */
  readonly end: EndMessage | undefined;
}

/**
 * An execution's first INLINE_OUTPUT_BYTES of output and its end. The router reads no further
 * output than that (`maxOutputBytes`): past it, it waits for the end alone.
 */
export async function inlineOutput(caller: Caller, executionId: string): Promise<InlineOutput> {
  const all: Uint8Array[] = [];
  const streams = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  let kept = 0;
  const stream = await caller.exec.onOutput({ executionId, maxOutputBytes: INLINE_OUTPUT_BYTES });
  for await (const message of events(stream)) {
    if (message.type === 'end') {
      return {
        output: Buffer.concat(all),
        stdout: Buffer.concat(streams.stdout),
        stderr: Buffer.concat(streams.stderr),
        cut: message.outputBytes > kept,
        end: message,
      };
    }
    const data = message.data.subarray(0, INLINE_OUTPUT_BYTES - kept);
    if (data.byteLength > 0) {
      all.push(data);
      streams[message.stream].push(data);
      kept += data.byteLength;
    }
  }
  const none = Buffer.alloc(0);
  return { output: none, stdout: none, stderr: none, cut: false, end: undefined };
}

/** POST /api/command: runs a command to completion and answers with its output. */
export async function command(request: RestRequest): Promise<void> {
  const { caller } = await request.signedIn();
  const body = await readJsonObject(request.req);
  // Validated by the router, with the same limits as every other client.
  const { executionId } = await caller.exec.execute(
    body as Parameters<typeof caller.exec.execute>[0],
  );
  // The command runs on even if the client goes away; only the watching stops.
  const result = await inlineOutput(caller, executionId);
  const { end } = result;
  if (end === undefined) return;
  if (end.status === 'refused') {
    // Refused on the target (a path resolved outside its prefix): nothing ran, so it is
    // answered like a refusal of the policy, not as a failed command.
    const record = await caller.exec.byId({ executionId });
    sendJson(request.res, 403, {
      error: 'Command not permitted',
      reason: end.error?.message ?? 'Refused on the target.',
      refusalCode: 'path_refused',
      rule: record.rule,
      executionId,
      position: null,
      span: null,
    });
    return;
  }
  sendJson(request.res, 200, {
    executionId,
    status: end.status,
    exitCode: end.exitCode,
    signal: end.signal,
    execTime: end.execTime,
    truncated: end.truncated,
    output: result.output.toString('utf8'),
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    outputCut: result.cut,
    outputUrl: `/api/executions/${executionId}/output`,
    error: end.error,
  });
}
