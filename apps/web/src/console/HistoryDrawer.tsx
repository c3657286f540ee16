import { type ReactNode, type RefObject, useEffect, useRef } from 'react';

interface HistoryDrawerProps {
  /** A small screen: the history is a drawer over the console rather than a column beside it. */
  readonly drawer: boolean;
  readonly open: boolean;
  readonly onClose: () => void;
  /** The button that opened it, where the focus goes back to when it closes. */
  readonly opener: RefObject<HTMLButtonElement | null>;
  readonly children: ReactNode;
}

/**
 * Where the history lives: beside the console on a wide screen; on a small one, a drawer that a
 * History button opens over it, modal while open (the rest of the page is inert, see Console),
 * closed by Escape, its Close button or a tap beside it, the focus moved in and given back.
 */
export function HistoryDrawer({ drawer, open, onClose, opener, children }: HistoryDrawerProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const modal = drawer && open;
  const wasModal = useRef(false);
  useEffect(() => {
    if (modal) closeRef.current?.focus();
    else if (wasModal.current) opener.current?.focus();
    wasModal.current = modal;
  }, [modal, opener]);

  // One element in both layouts, so crossing the breakpoint keeps the history's state.
  return (
    <>
      {modal && <div className="history-drawer__backdrop" aria-hidden="true" onClick={onClose} />}
      <div
        className={drawer ? 'history-drawer' : 'history-column'}
        role={drawer ? 'dialog' : undefined}
        aria-modal={drawer ? true : undefined}
        aria-label={drawer ? 'History' : undefined}
        hidden={drawer && !open}
        onKeyDown={(event) => {
          if (modal && event.key === 'Escape' && !event.defaultPrevented) {
            event.preventDefault();
            onClose();
          }
        }}
      >
        {drawer && (
          <div className="history-drawer__bar">
            <button ref={closeRef} type="button" className="button button--quiet" onClick={onClose}>
              Close <span className="visually-hidden">the history</span>
            </button>
          </div>
        )}
        {children}
      </div>
    </>
  );
}
