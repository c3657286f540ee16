import type { Refusal } from '../api/errors';

/**
 * Why the server refused a command, with the offending character marked in the command when the
 * server says where it is.
 */
export function RefusalNotice({ refusal }: { refusal: Refusal & { command: string } }) {
  const chars = Array.from(refusal.command);
  const position = refusal.position;
  return (
    <div className="refusal" role="alert">
      <p className="refusal__reason">
        <strong>Not permitted:</strong> {refusal.reason}
      </p>
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
      <p className="refusal__rule">
        Rule <code>{refusal.rule}</code> · nothing ran · <kbd>Esc</kbd> dismisses
      </p>
    </div>
  );
}
