import { router } from '../trpc.js';
import { authRouter } from './auth.js';
import { execRouter } from './exec.js';
import { runsRouter } from './runs.js';
import { auditRouter } from './audit.js';
import { targetsRouter } from './targets.js';
import { usersRouter } from './users.js';
import { storageRouter } from './storage.js';

export const appRouter = router({
  auth: authRouter,
  targets: targetsRouter,
  exec: execRouter,
  runs: runsRouter,
  audit: auditRouter,
  users: usersRouter,
  storage: storageRouter,
});

/** The API's type, all a client needs: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
