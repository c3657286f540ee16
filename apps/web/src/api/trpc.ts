import type { AppRouter } from '@ogent/api';
import { createTRPCReact } from '@trpc/react-query';

/** React Query hooks for the API. Only the router's type comes from the server. */
export const trpc = createTRPCReact<AppRouter>();
