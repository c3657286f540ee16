import type { TargetView } from '../api/types.js';
import { targetName } from '../shared/target-name';

/** With nothing open: what can be run on the chosen target, each a click away. */
export function Welcome({
  target,
  loading,
  hasTargets,
  onPick,
}: {
  target: TargetView | undefined;
  loading: boolean;
  hasTargets: boolean;
  onPick: (command: string) => void;
}) {
  if (target === undefined) {
    return (
      <section className="welcome" aria-label="Getting started">
        <p className="welcome__lead">
          {loading
            ? 'Loading your targets…'
            : hasTargets
              ? 'Choose a target below: one to run a command there, several separated by commas, ' +
                'or a selector such as role=web,env!=prod to run it on every target that matches.'
              : 'You have no targets to run commands on.'}
        </p>
      </section>
    );
  }
  return (
    <section className="welcome" aria-labelledby="welcome-title">
      <h2 id="welcome-title" className="welcome__title">
        Allowed on {targetName(target)}
      </h2>
      <p className="welcome__lead">
        Type a command below and press <kbd>Enter</kbd>. Only these commands and options are
        accepted; anything else is refused with the reason, and nothing runs.
      </p>
      {target.commands.length === 0 ? (
        <p>No commands are allowed for you on this target.</p>
      ) : (
        <ul className="commands">
          {target.commands.map((command) => (
            <li key={command.name}>
              <button
                type="button"
                className="commands__item"
                onClick={() => onPick(`${command.name} `)}
              >
                <code className="commands__usage">{command.usage}</code>
                {command.description !== null && (
                  <span className="commands__description">{command.description}</span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
