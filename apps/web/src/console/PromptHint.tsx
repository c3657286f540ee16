import type { CommandHint } from '../api/types.js';
import { Fragment, type ReactNode } from 'react';
import { type Refusal, errorMessage } from '../api/errors';
import { formatCount } from '../execution/status';
import type { RunPreviewState } from '../fleet/use-run-preview';
import type { PromptHint } from './prompt-model';
import { RefusalNotice } from './RefusalNotice';

interface PromptHintViewProps {
  readonly hint: PromptHint;
  readonly refusal: (Refusal & { command: string; target: string | null }) | null;
  readonly problem: string | null;
  readonly scopeLabel: string | undefined;
  readonly commands: readonly CommandHint[];
  /** Puts a whole command line in the prompt (a fix the refusal notice offers). */
  readonly onUseCommand: (command: string) => void;
  /** Puts a command name in place of the one typed (a suggestion for a typo). */
  readonly onUseName: (name: string) => void;
}

/** The line under the prompt: why the server refused, what is wrong, or what the command takes. */
export function PromptHintView({
  hint,
  refusal,
  problem,
  scopeLabel,
  commands,
  onUseCommand,
  onUseName,
}: PromptHintViewProps): ReactNode {
  switch (hint.kind) {
    case 'refusal':
      return (
        refusal !== null && (
          <RefusalNotice
            refusal={refusal}
            target={refusal.target}
            commands={commands}
            onUse={onUseCommand}
          />
        )
      );
    case 'problem':
      return (
        <p className="hint hint--error" role="alert">
          {problem}
        </p>
      );
    case 'unknown-target':
      return (
        <p className="hint hint--warning">
          No target is called <code>{hint.names.join(', ')}</code>. Pick one from the list, or write
          a selector such as <code>role=web,env!=prod</code>.
        </p>
      );
    case 'no-targets':
      return (
        <p className="hint hint--warning">
          You have no targets to run commands on. Ask an administrator for a role.
        </p>
      );
    case 'unknown-command':
      return (
        <p className="hint hint--warning" data-testid="unknown-command">
          <code>{hint.command}</code> is not allowed on {scopeLabel ?? 'this target'}.{' '}
          {hint.near.length > 0 && (
            <>
              Did you mean{' '}
              {hint.near.map((name, i) => (
                <Fragment key={name}>
                  {i > 0 && ' or '}
                  <button
                    type="button"
                    className="suggestion"
                    onClick={() => onUseName(name)}
                    aria-label={`Use ${name}`}
                  >
                    {name}
                  </button>
                </Fragment>
              ))}
              ? <kbd>Tab</kbd> takes the first.{' '}
            </>
          )}
          Allowed: {hint.allowed.join(', ') || 'nothing'}.
        </p>
      );
    case 'usage':
      return (
        <p className="hint">
          <code className="hint__usage">{hint.command.usage}</code>
          {hint.command.description !== null && (
            <span className="hint__description"> — {hint.command.description}</span>
          )}
          {hint.expects !== null && (
            <span className="hint__expects" data-testid="expects">
              {' '}
              · this word: <code>{hint.expects}</code>
            </span>
          )}
        </p>
      );
    case 'preview':
      return null;
    case 'keys':
      return (
        <p className="hint hint--muted">
          <kbd>Enter</kbd> runs · <kbd>↑</kbd>
          <kbd>↓</kbd> history · <kbd>Tab</kbd> completes · <kbd>Ctrl</kbd>+<kbd>C</kbd> cancels
        </p>
      );
  }
}

/** The hint for a run: how many targets it reaches, and the first refusal among them. */
export function RunPreviewHint({ preview }: { readonly preview: RunPreviewState }): ReactNode {
  const { data, error } = preview;
  if (error !== null) {
    return (
      <p className="hint hint--error" role="alert">
        {errorMessage(error)}
      </p>
    );
  }
  if (data === undefined) return <p className="hint hint--muted">Finding the targets…</p>;
  const refused = data.targets.find((t) => !t.allowed);
  return (
    <p className={refused === undefined ? 'hint' : 'hint hint--warning'} data-testid="run-hint">
      Runs on <strong>{formatCount(data.matched)}</strong>{' '}
      {data.matched === 1 ? 'target' : 'targets'}: {formatCount(data.allowed)} allowed
      {refused === undefined ? (
        '.'
      ) : (
        <>
          , {formatCount(data.matched - data.allowed)} refused. {refused.id}: {refused.reason}
        </>
      )}
    </p>
  );
}
