import type { CommandHint } from '../api/types.js';
import { Fragment, type ReactNode } from 'react';
import type { Refusal } from '../api/errors';
import { adviceFor } from './refusal-advice';

/** Text with `code` between backticks, as the advice is written. */
function withCode(text: string): ReactNode {
  return text
    .split('`')
    .map((part, i) =>
      i % 2 === 1 ? <code key={i}>{part}</code> : <Fragment key={i}>{part}</Fragment>,
    );
}

/**
 * Why the server refused a command, with the offending word (or character) marked in the command
 * when the server says where it is, and what to do instead: the allowed command or option a typo
 * was meant to be, or for shell syntax what Ogent offers in its place, one click away (`onUse`
 * puts the command line in the prompt). `target` is the target's name as the console shows it: the server's
 * reason names it by id (`Allowed on local: ...`), and the two are told side by side.
 */
export function RefusalNotice({
  refusal,
  target = null,
  commands = [],
  onUse,
}: {
  refusal: Refusal & { command: string };
  target?: string | null;
  /** The commands allowed there, for "did you mean". */
  commands?: readonly CommandHint[];
  onUse?: (command: string) => void;
}) {
  const chars = Array.from(refusal.command);
  const { span } = refusal;
  const position = span === null ? refusal.position : null;
  const advice = adviceFor(refusal, refusal.command, commands);
  return (
    <div className="refusal" role="alert">
      <p className="refusal__reason">
        <strong>Not permitted{target === null ? '' : ` on ${target}`}:</strong> {refusal.reason}
      </p>
      {span !== null && (
        <p className="refusal__where">
          <code className="refusal__command">
            {chars.slice(0, span.start).join('')}
            <mark className="refusal__mark refusal__mark--word">
              {chars.slice(span.start, span.end).join('')}
            </mark>
            {chars.slice(span.end).join('')}
          </code>
          <span className="visually-hidden">
            {' '}
            (the problem is the word “{chars.slice(span.start, span.end).join('')}”)
          </span>
        </p>
      )}
      {position !== null && (
        <p className="refusal__where">
          <code className="refusal__command">
            {chars.slice(0, position).join('')}
            <mark className="refusal__mark">{chars[position] ?? ' '}</mark>
            {chars.slice(position + 1).join('')}
          </code>
          <span className="visually-hidden">
            {' '}
            (the problem is at character {position + 1}
            {chars[position] === undefined ? ', the end' : `, “${chars[position]}”`})
          </span>
        </p>
      )}
      {advice !== null && (
        <p className="refusal__advice" data-testid="refusal-advice">
          {withCode(advice.text)}
          {advice.command !== null && onUse !== undefined && (
            <>
              {' '}
              <button
                type="button"
                className="suggestion"
                onClick={() => onUse(advice.command ?? '')}
              >
                Use <code>{advice.command}</code>
              </button>
            </>
          )}
        </p>
      )}
      <p className="refusal__rule">
        Rule <code>{refusal.rule}</code> · nothing ran · <kbd>Esc</kbd> dismisses
      </p>
    </div>
  );
}
