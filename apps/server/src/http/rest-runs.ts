import { readJsonObject, sendJson } from './body.js';
import { inlineOutput } from './rest-command.js';
import { type Caller, type RestRequest, events } from './rest-request.js';

/** A host's output as the run's answer carries it: the first INLINE_OUTPUT_BYTES, as text. */
async function hostOutput(
  caller: Caller,
  host: { executionId: string | null; outputBytes: number },
): Promise<{ text: string; cut: boolean }> {
  if (host.executionId === null || host.outputBytes === 0) return { text: '', cut: false };
  const { output, cut } = await inlineOutput(caller, host.executionId);
  return { text: output.toString('utf8'), cut };
}

/**
 * POST /api/runs: runs a command on many targets to the end and answers with every host's
 * result and the hosts grouped by identical results. Output is cut per host as for
 * /api/command.
 */
export async function run(request: RestRequest): Promise<void> {
  const { caller } = await request.signedIn();
  const body = await readJsonObject(request.req);
  // Validated by the router, with the same limits as every other client.
  const { runId } = await caller.runs.start(body as Parameters<typeof caller.runs.start>[0]);
  // The run goes on if the client goes away; only the waiting stops.
  for await (const event of events(await caller.runs.onProgress({ runId }))) {
    if (event.type === 'end') break;
  }
  if (request.closed.aborted) return;
  const found = await caller.runs.byId({ runId });
  const hosts = await Promise.all(
    found.hosts.map(async (host) => {
      const output = await hostOutput(caller, host);
      return {
        target: host.target,
        status: host.status,
        exitCode: host.exitCode,
        execTime: host.execTime,
        output: output.text,
        outputCut: output.cut,
        executionId: host.executionId,
        error: host.error,
      };
    }),
  );
  const { summary } = found;
  sendJson(request.res, 200, {
    runId,
    status: found.status,
    stopReason: found.stopReason,
    summary: {
      total: summary.total,
      succeeded: summary.succeeded,
      failed: summary.failed,
      refused: summary.refused,
      cancelled: summary.cancelled,
      skipped: summary.skipped,
    },
    hosts,
    groups: found.groups.map((g) => ({
      targets: g.targets,
      label: g.label,
      status: g.status,
      exitCode: g.exitCode,
      outputSha256: g.outputSha256,
      sample: g.sample,
    })),
  });
}
