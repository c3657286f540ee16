/**
 * The `$ command` heading an execution's and a fleet run's page open with; `run-command` names
 * the page's region, so there is one per page.
 */
export function CommandTitle({ command }: { readonly command: string | undefined }) {
  return (
    <h2 id="run-command" className="run__command">
      <span className="run__prompt" aria-hidden="true">
        $
      </span>
      <span className="visually-hidden">Command: </span>
      <code>{command ?? '…'}</code>
    </h2>
  );
}
