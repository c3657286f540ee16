/**
 * `Compare with majority`, offered on an output group and on a host that is not in the
 * largest group: both open the same diff, so they say it the same way.
 */
export function CompareButton({ onCompare }: { readonly onCompare: () => void }) {
  return (
    <button type="button" className="button button--small" onClick={onCompare}>
      Compare with majority
    </button>
  );
}
