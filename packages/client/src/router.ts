import type { AppRouter as ServerRouter } from '@ogent/api';
import type { ForClients } from './for-clients.js';

/**
 * The Ogent API's type: every procedure with its input and output, for `createTRPCClient` or
 * `createTRPCReact`. In the built package this type is written out in full (see build.mjs), so
 * a project outside this repository gets it without the server's packages.
 */
export type AppRouter = ForClients<ServerRouter>;
