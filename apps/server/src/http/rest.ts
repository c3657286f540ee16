import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Services,
  errorHeaders,
  refusalDetails,
  toTRPCError,
  validationIssues,
} from '@ogent/api';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { HttpError, sendJson } from './body.js';
import { auditStream } from './rest-audit.js';
import { login, logout, renew, validate } from './rest-auth.js';
import { command } from './rest-command.js';
import { output } from './rest-output.js';
import { RestRequest } from './rest-request.js';
import { run } from './rest-runs.js';

const EXECUTION_PATH = /^\/api\/executions\/([^/]*)\/output$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The endpoints that take a POST, by path. */
const POST_ROUTES: ReadonlyMap<string, (request: RestRequest) => Promise<void>> = new Map([
  ['/api/auth/login', login],
  ['/api/auth/validate', validate],
  ['/api/auth/renew', renew],
  ['/api/auth/logout', logout],
  ['/api/command', command],
  ['/api/runs', run],
]);

/**
 * The HTTP contract of the original design, for curl and non-TypeScript clients: a thin adapter
 * over the tRPC router, called in-process through `createCallerFactory`, streams included. The
 * router validates input and authenticates, with the same limits as over WebSocket; errors are
 * mapped to HTTP statuses here, once.
 */
export class RestApi {
  constructor(
    private readonly services: Services,
    private readonly clientAddress: (req: IncomingMessage) => string,
  ) {}

  /** Answers a request under /api. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    try {
      await route(new RestRequest(req, res, this.services, this.clientAddress(req)), pathname);
    } catch (error) {
      sendError(res, error);
    }
  }
}

function route(request: RestRequest, pathname: string): Promise<void> {
  const { method } = request.req;
  const post = POST_ROUTES.get(pathname);
  if (post !== undefined) {
    if (method !== 'POST') throw new HttpError(405, 'Use POST.', {}, { allow: 'POST' });
    return post(request);
  }
  if (pathname === '/api/audit') {
    if (method !== 'GET') throw new HttpError(405, 'Use GET.', {}, { allow: 'GET' });
    return auditStream(request);
  }
  const match = EXECUTION_PATH.exec(pathname);
  if (match?.[1] !== undefined) {
    if (method !== 'GET') throw new HttpError(405, 'Use GET.', {}, { allow: 'GET' });
    if (!UUID.test(match[1])) throw new HttpError(400, 'Not an execution id.');
    return output(request, match[1].toLowerCase());
  }
  throw new HttpError(404, `No such endpoint: ${method ?? ''} ${pathname}`);
}

/**
 * Answers an error: the contract's own (HttpError), or the router's mapped to its HTTP status
 * with the headers it carries (Retry-After). Anything else is rethrown for the server's handler;
 * once the answer has begun, the connection is cut instead.
 */
function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) {
    sendJson(res, error.status, { error: error.message, ...error.extra }, error.headers);
    return;
  }
  const mapped = toTRPCError(error);
  if (!(mapped instanceof TRPCError) || mapped.code === 'INTERNAL_SERVER_ERROR') throw error;
  const issues = mapped.code === 'BAD_REQUEST' ? validationIssues(mapped.cause) : null;
  const first = issues?.[0];
  const message =
    issues === null
      ? mapped.message
      : `Invalid request: ${first === undefined || first.path === '' ? 'body' : first.path}: ${first?.message ?? 'invalid'}.`;
  sendJson(
    res,
    getHTTPStatusCodeFromError(mapped),
    {
      error: message,
      ...(issues === null ? {} : { issues }),
      ...(refusalDetails(mapped) ?? {}),
    },
    errorHeaders(mapped),
  );
}
