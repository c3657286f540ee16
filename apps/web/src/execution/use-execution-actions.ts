import { useEffect, useState } from 'react';
import { errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { useSession, useSignedIn } from '../session/session-context';
import { copyText } from '../shared/clipboard';
import { plainLines } from '../output/sgr';
import { SessionExpiredError, downloadOutput, fetchOutputText } from './download';

/** Ctrl+C cancels, unless text is selected (then it copies, as everywhere else). */
function isCancelKey(event: KeyboardEvent): boolean {
  if (!event.ctrlKey || event.metaKey || event.altKey || event.key.toLowerCase() !== 'c') {
    return false;
  }
  const active = document.activeElement;
  if (
    (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) &&
    active.selectionStart !== active.selectionEnd
  ) {
    return false;
  }
  const selection = document.getSelection();
  return selection === null || selection.isCollapsed || selection.toString() === '';
}

/**
 * Cancelling an execution, by its button or Ctrl+C anywhere on the page, while `cancellable`
 * (session/permissions.ts decides that). `requested` holds until the server says it did not
 * cancel, so the button does not invite a second click.
 */
export function useCancelExecution(executionId: string, cancellable: boolean) {
  const { mutate: cancelExecution } = trpc.exec.cancel.useMutation();
  const [requested, setRequested] = useState(false);

  useEffect(() => {
    if (!cancellable) return;
    const onKey = (event: KeyboardEvent): void => {
      if (!isCancelKey(event)) return;
      event.preventDefault();
      setRequested(true);
      cancelExecution(
        { executionId },
        { onSettled: (result) => setRequested(result?.cancelled === true) },
      );
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [cancellable, cancelExecution, executionId]);

  const request = (): void => {
    if (!cancellable || requested) return;
    setRequested(true);
    cancelExecution(
      { executionId },
      { onSettled: (result) => setRequested(result?.cancelled === true) },
    );
  };
  return { requested, request };
}

/**
 * The pane's copy and download actions, and the brief notice that says how they went. The whole
 * output comes from the server, not from the rows the view holds or draws; a session that
 * expired meanwhile sends the user to sign in.
 */
export function useExecutionActions(executionId: string, command: string | undefined) {
  const session = useSignedIn();
  const { expire } = useSession();
  const [notice, setNotice] = useState<string | null>(null);
  const [downloading, setDownloading] = useState<'text' | 'cast' | null>(null);
  const [copying, setCopying] = useState(false);

  const flash = (text: string): void => {
    setNotice(text);
    setTimeout(() => setNotice((current) => (current === text ? null : current)), 2500);
  };
  const failed = (error: unknown): void => {
    if (error instanceof SessionExpiredError) expire();
    else flash(errorMessage(error));
  };

  const copyCommand = (): void => {
    if (command === undefined) return;
    copyText(command).then(
      () => flash('Command copied.'),
      (error: unknown) => flash(errorMessage(error)),
    );
  };
  const download = (format: 'text' | 'cast'): void => {
    setDownloading(format);
    downloadOutput(session.token, executionId, format).then(
      (name) => {
        setDownloading(null);
        flash(`Saved ${name}.`);
      },
      (error: unknown) => {
        setDownloading(null);
        failed(error);
      },
    );
  };
  const copyOutput = (): void => {
    setCopying(true);
    fetchOutputText(session.token, executionId)
      .then((text) => copyText(plainLines(text)))
      .then(
        () => {
          setCopying(false);
          flash('Output copied.');
        },
        (error: unknown) => {
          setCopying(false);
          failed(error);
        },
      );
  };
  return { notice, flash, downloading, copying, copyCommand, download, copyOutput };
}
