import type { ExecutionRecord } from '../api/types.js';
import { errorCode, errorMessage } from '../api/errors';
import type { LineTimesMode } from '../output/line-times';
import type { OutputBuffer } from '../output/output-buffer';
import { OutputView } from '../output/OutputView';
import type { LineRange } from '../shared/line-range';
import { navigate, routeHref } from '../shared/route';
import type { ExecutionFacts } from './execution-facts';
import { formatDate, formatFull } from './status';
import type { useExecutionActions } from './use-execution-actions';

interface ExecutionOutputProps {
  readonly executionId: string;
  readonly info: ExecutionRecord | undefined;
  readonly facts: ExecutionFacts;
  /** Why the output could not be followed, or null. */
  readonly failure: unknown;
  readonly buffer: OutputBuffer;
  readonly version: number;
  readonly lineTimes: LineTimesMode;
  readonly selectedLines: LineRange | undefined;
  readonly actions: ReturnType<typeof useExecutionActions>;
}

/**
 * The body of the pane: why nothing ran (refused), why the output cannot be shown (failed to
 * load, or deleted by retention), or the output itself.
 */
export function ExecutionOutput({
  executionId,
  info,
  facts,
  failure,
  buffer,
  version,
  lineTimes,
  selectedLines,
  actions,
}: ExecutionOutputProps) {
  if (facts.refused) {
    return (
      <div className="run__refused" role="note">
        <p className="refusal__title">Not permitted — nothing ran.</p>
        <p className="refusal__reason">
          {/* Refused on the target (a path outside its prefix): the reason is the end's error. */}
          {info?.reason ?? facts.problem ?? 'The policy refused this command.'}
        </p>
        {info !== undefined && <p className="refusal__rule">Rule: {info.rule}</p>}
      </div>
    );
  }
  if (failure !== null) {
    return (
      <p role="alert" className="notice notice--error run__failure">
        {errorCode(failure) === 'NOT_FOUND'
          ? 'This execution does not exist, or it is not yours to see.'
          : `The output could not be loaded: ${errorMessage(failure)}`}
      </p>
    );
  }
  if (info?.outputPrunedAt != null) {
    return (
      <div className="run__pruned">
        <p className="notice run__pruned-notice" role="note" data-testid="output-pruned">
          Output deleted by retention on{' '}
          <time
            dateTime={new Date(info.outputPrunedAt).toISOString()}
            title={formatFull(info.outputPrunedAt)}
          >
            {formatDate(info.outputPrunedAt)}
          </time>
          ; the record is kept.
        </p>
      </div>
    );
  }
  const { running } = facts;
  return (
    <OutputView
      buffer={buffer}
      version={version}
      label={`Output of ${info?.input ?? 'the command'}`}
      lineTimes={lineTimes}
      startedAt={info?.createdAt ?? null}
      selection={selectedLines}
      lineHref={(range) => routeHref({ name: 'execution', id: executionId, lines: range })}
      onSelectLines={(range) => navigate({ name: 'execution', id: executionId, lines: range })}
      onNotice={actions.flash}
      actions={
        <button
          type="button"
          className="button button--small"
          onClick={actions.copyOutput}
          // While it runs, the server's answer would wait for the end.
          disabled={actions.copying || running || info === undefined}
          title={running ? 'Available when the command has ended' : 'Copy the whole output'}
        >
          {actions.copying ? 'Copying…' : 'Copy output'}
        </button>
      }
      placeholder={facts.placeholder}
    />
  );
}
