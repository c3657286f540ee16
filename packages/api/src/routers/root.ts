import { router } from '../trpc.js';
import { authRouter } from './auth.js';
import { execRouter } from './exec.js';
import { targetsRouter } from './targets.js';

export const appRouter = router({
  auth: authRouter,
  targets: targetsRouter,
  exec: execRouter,
});

/** The API's type, all a client needs: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
