import type { OutputLog } from '../ports/output-log.js';
import { foldHosts } from './fold.js';
import type { RunGroup, RunHost } from '../domain/run.js';

/** Bytes of a group's sample output. */
export const GROUP_SAMPLE_BYTES = 16 * 1024;

/** Hosts that ended alike, largest group first; each with its first host's output. */
export async function groupHosts(log: OutputLog, hosts: readonly RunHost[]): Promise<RunGroup[]> {
  const byKey = new Map<string, RunHost[]>();
  for (const host of hosts) {
    if (host.status === 'pending' || host.status === 'running') continue;
    // The failure's code too: a refused connection and a changed host key are not alike.
    const key = [host.status, host.exitCode, host.outputSha256, host.error?.code].join('\u0000');
    const list = byKey.get(key) ?? [];
    list.push(host);
    byKey.set(key, list);
  }
  const groups = [...byKey.values()].sort((a, b) => b.length - a.length);
  return Promise.all(
    groups.flatMap((members) => {
      const [first] = members;
      return first === undefined ? [] : [group(log, first, members)];
    }),
  );
}

async function group(
  log: OutputLog,
  first: RunHost,
  members: readonly RunHost[],
): Promise<RunGroup> {
  const sample = await hostOutput(log, first, GROUP_SAMPLE_BYTES);
  return {
    targets: members.map((h) => h.target),
    label: foldHosts(members.map((h) => h.target)),
    status: first.status,
    exitCode: first.exitCode,
    outputSha256: first.outputSha256,
    errorCode: first.error?.code ?? null,
    sample: sample.text,
    sampleTruncated: sample.cut,
    sampleTarget: first.target,
  };
}

/** A host's output as text (stdout and stderr as they came), its first `maxBytes`; `cut` when there is more. */
export async function hostOutput(
  log: OutputLog,
  host: RunHost,
  maxBytes: number,
): Promise<{ text: string; cut: boolean }> {
  if (host.executionId === null || host.outputBytes === 0) return { text: '', cut: false };
  const parts: Buffer[] = [];
  let kept = 0;
  for (let from = 1; kept < maxBytes;) {
    const chunks = await log.readOutput(host.executionId, from, maxBytes - kept);
    if (chunks.length === 0) break;
    for (const chunk of chunks) {
      const data = chunk.data.subarray(0, maxBytes - kept);
      parts.push(data);
      kept += data.length;
    }
    from = (chunks.at(-1)?.seq ?? from) + 1;
  }
  return { text: new TextDecoder().decode(Buffer.concat(parts)), cut: host.outputBytes > kept };
}
