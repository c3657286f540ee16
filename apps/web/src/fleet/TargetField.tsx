import type { TargetView } from '../api/types.js';
import { type KeyboardEvent, useId, useMemo, useState } from 'react';
import { targetName } from '../shared/target-name';
import { filterTargets, formatLabels, pickTarget, searchTerm } from './target-choice';

/** Suggestions drawn at once; typing narrows a longer list. */
const MAX_OPTIONS = 50;

interface TargetFieldProps {
  readonly targets: readonly TargetView[] | undefined;
  readonly loading: boolean;
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** Enter with nothing to pick: on to the command. */
  readonly onDone: () => void;
}

/**
 * The Target field: a target's id, several ids separated by commas, or a selector over labels
 * (`role=web,env!=prod`, `name=web-*`, `*`). Typing filters the targets by id, name and labels
 * (a combobox, as WAI-ARIA describes it); after a comma it suggests one more.
 */
export function TargetField({ targets, loading, value, onChange, onDone }: TargetFieldProps) {
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  // Until the user types, the list offers every target and a pick replaces the value, as a
  // select would; typing filters it, and a pick completes the name being typed.
  const [typed, setTyped] = useState(false);
  const known = useMemo(() => new Set(targets?.map((t) => t.id)), [targets]);
  const isTarget = (id: string): boolean => known.has(id);
  const search = typed ? searchTerm(value, isTarget) : { term: '', chosen: [] };
  const matches =
    search === null || targets === undefined ? [] : filterTargets(targets, search.term);
  const shown = matches.slice(0, MAX_OPTIONS);
  const expanded = open && search !== null && targets !== undefined && targets.length > 0;
  const activeOption = expanded && active >= 0 && active < shown.length ? active : -1;
  // The one target named, as the console names it elsewhere (`This server (local)`).
  const named = targets?.find((t) => t.id === value.trim());

  const pick = (id: string): void => {
    onChange(pickTarget(search?.chosen ?? [], id));
    setOpen(false);
    setTyped(false);
    setActive(-1);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!expanded) {
        setOpen(true);
        setActive(0);
        return;
      }
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current) => (current + step + shown.length) % Math.max(1, shown.length));
      return;
    }
    if (event.key === 'Enter') {
      // Enter here never runs the command: it picks, or moves on to the command.
      event.preventDefault();
      const option = shown[activeOption];
      if (option !== undefined) pick(option.id);
      else {
        setOpen(false);
        onDone();
      }
      return;
    }
    if (event.key === 'Escape' && expanded) {
      event.preventDefault();
      setOpen(false);
    }
  };

  return (
    <div className="target-field">
      <span className="target-field__head">
        <label className="command-bar__label" htmlFor={`${ids}-input`}>
          Target
        </label>
        {named !== undefined && (
          <span id={`${ids}-name`} className="target-field__name" data-testid="target-name">
            {targetName(named)}
          </span>
        )}
      </span>
      <input
        id={`${ids}-input`}
        className="target-field__input"
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={`${ids}-list`}
        aria-activedescendant={activeOption === -1 ? undefined : `${ids}-option-${activeOption}`}
        aria-describedby={named === undefined ? `${ids}-help` : `${ids}-name ${ids}-help`}
        value={value}
        placeholder={loading ? 'Loading…' : 'Target or role=web'}
        disabled={targets === undefined || targets.length === 0}
        onChange={(event) => {
          onChange(event.target.value);
          setOpen(true);
          setTyped(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => {
          setOpen(false);
          setTyped(false);
        }}
        onKeyDown={onKeyDown}
        autoComplete="off"
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck={false}
      />
      <span id={`${ids}-help`} className="visually-hidden">
        A target, several separated by commas, or a selector such as role=web,env!=prod.
      </span>
      {expanded && (
        <div className="target-field__popup">
          <ul id={`${ids}-list`} className="target-field__list" role="listbox" aria-label="Targets">
            {shown.map((target, index) => (
              <li
                key={target.id}
                id={`${ids}-option-${index}`}
                className="target-option"
                role="option"
                aria-selected={index === activeOption}
                data-target={target.id}
                // Keep the focus in the field: a click picks, the field stays where typing goes.
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => pick(target.id)}
                onMouseMove={() => index !== activeOption && setActive(index)}
              >
                <span className="target-option__label">{target.label}</span>
                {target.label !== target.id && (
                  <code className="target-option__id">{target.id}</code>
                )}
                {Object.keys(target.labels).length > 0 && (
                  <span className="target-option__labels">{formatLabels(target.labels)}</span>
                )}
              </li>
            ))}
            {shown.length === 0 && (
              <li className="target-field__empty" role="presentation">
                No target matches “{search?.term}”.
              </li>
            )}
          </ul>
          <p className="target-field__help">
            {matches.length > shown.length && (
              <>{matches.length - shown.length} more: keep typing · </>
            )}
            <kbd>,</kbd> adds another · a selector such as <code>role=web,env!=prod</code> runs on
            every match
          </p>
        </div>
      )}
    </div>
  );
}
