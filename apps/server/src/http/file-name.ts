import type { ExecutionRecord } from '@ogent/api';

/**
 * The name an execution's output downloads as: the target, the command and when it started
 * (UTC), in characters safe in any Content-Disposition header, so a folder of downloads sorts
 * and reads without opening them (`ogent-local-ls_-la_var_log-20261127T101500Z.txt`).
 */
export function outputFileName(
  record: Pick<ExecutionRecord, 'target' | 'input' | 'createdAt'>,
  extension: 'txt' | 'cast',
): string {
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '_');
  const when = new Date(record.createdAt)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  const command =
    safe(record.input)
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'command';
  return `ogent-${safe(record.target)}-${command}-${when}.${extension}`;
}
