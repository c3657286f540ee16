import type { AppRouter } from '@ogent/client';
import { createTRPCReact } from '@trpc/react-query';

/** React Query hooks for the API. Only the router's type comes from the client package. */
export const trpc = createTRPCReact<AppRouter>();
