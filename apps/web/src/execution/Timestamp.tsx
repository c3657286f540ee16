import type { ReactNode } from 'react';
import { formatFull } from './status';

/**
 * A moment shown the short way (`children`), with the machine-readable instant and the full
 * date on hover, so every list and header reads the same way.
 */
export function Timestamp({ at, children }: { readonly at: number; readonly children: ReactNode }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatFull(at)}>
      {children}
    </time>
  );
}
