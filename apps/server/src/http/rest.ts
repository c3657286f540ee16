import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthUser,
  type Context,
  DomainError,
  type ExecutionRecord,
  LoginRefusedError,
  type Services,
  appRouter,
  bearerToken,
  createCallerFactory,
  createContext,
  refusalDetails,
  toTRPCError,
  validationIssues,
} from '@ogent/api';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { type CastVersion, CastEncoder, castExitStatus } from './asciicast.js';
import { HttpError, readJson, sendJson } from './body.js';
import { outputFileName } from './file-name.js';

/** Output returned inline by POST /api/command; the rest is downloaded from outputUrl. */
export const INLINE_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Audit events read per query by GET /api/audit; how often `follow` looks for more. */
const AUDIT_PAGE = 1_000;
const AUDIT_FOLLOW_MS = 500;

const EXECUTION_PATH = /^\/api\/executions\/([^/]*)\/output$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const createCaller = createCallerFactory(appRouter);

/**
 * The HTTP contract of the original design, for curl and non-TypeScript clients: a thin adapter
 * over the tRPC router, called in-process through `createCallerFactory`. The router validates
 * input and authenticates, with the same limits as over WebSocket; errors are mapped to HTTP
 * statuses here, once.
 */
export class RestApi {
  constructor(
    private readonly services: Services,
    private readonly clientAddress: (req: IncomingMessage) => string,
  ) {}

  /** Answers a request under /api. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    try {
      await this.route(req, res, pathname);
    } catch (error) {
      this.sendError(res, error);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const post = (handler: () => Promise<void>): Promise<void> => {
      if (req.method !== 'POST') throw new HttpError(405, 'Use POST.', {}, { allow: 'POST' });
      return handler();
    };
    switch (pathname) {
      case '/api/auth/login':
        return post(() => this.login(req, res));
      case '/api/auth/validate':
        return post(() => this.validate(req, res));
      case '/api/auth/renew':
        return post(() => this.renew(req, res));
      case '/api/auth/logout':
        return post(() => this.logout(req, res));
      case '/api/command':
        return post(() => this.command(req, res));
      case '/api/runs':
        return post(() => this.run(req, res));
      case '/api/audit':
        if (req.method !== 'GET') throw new HttpError(405, 'Use GET.', {}, { allow: 'GET' });
        return this.auditStream(req, res);
      default: {
        const match = EXECUTION_PATH.exec(pathname);
        if (match?.[1] !== undefined) {
          if (req.method !== 'GET') throw new HttpError(405, 'Use GET.', {}, { allow: 'GET' });
          if (!UUID.test(match[1])) throw new HttpError(400, 'Not an execution id.');
          return this.output(req, res, match[1].toLowerCase());
        }
        throw new HttpError(404, `No such endpoint: ${req.method ?? ''} ${pathname}`);
      }
    }
  }

  /** The router's context for this request, as its own HTTP adapter would build it. */
  private context(req: IncomingMessage): Promise<Context> {
    return createContext({
      services: this.services,
      token: bearerToken(req.headers.authorization),
      clientAddress: this.clientAddress(req),
      source: 'http',
    });
  }

  /** A caller for a route that needs a signed-in user, with that user. */
  private async signedIn(
    req: IncomingMessage,
  ): Promise<{ caller: ReturnType<typeof createCaller>; user: AuthUser }> {
    if (bearerToken(req.headers.authorization) === null) {
      throw new HttpError(
        401,
        'Send a token: Authorization: Bearer <token> (from POST /api/auth/login).',
      );
    }
    const caller = createCaller(await this.context(req));
    return { caller, user: await caller.auth.me() };
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = createCaller(await this.context(req));
    const { token, expiresAt, user } = await caller.auth.login(
      (await readJson(req)) as { username: string; password: string },
    );
    sendJson(res, 200, {
      token,
      expiresAt: new Date(expiresAt).toISOString(),
      user: { username: user.username, roles: user.roles },
    });
  }

  /** A new token for the caller's session (see `auth.renew`). */
  private async renew(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const { caller } = await this.signedIn(req);
    const { token, expiresAt, user } = await caller.auth.renew();
    sendJson(res, 200, {
      token,
      expiresAt: new Date(expiresAt).toISOString(),
      user: { username: user.username, roles: user.roles },
    });
  }

  /** Ends the caller's session: its tokens are refused from now on. */
  private async logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const { caller } = await this.signedIn(req);
    await caller.auth.logout();
    res.writeHead(204).end();
  }

  private async validate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    let signedIn: Awaited<ReturnType<RestApi['signedIn']>>;
    try {
      signedIn = await this.signedIn(req);
    } catch (error) {
      const mapped = toTRPCError(error);
      const unauthorized =
        (error instanceof HttpError && error.status === 401) ||
        (mapped instanceof TRPCError && mapped.code === 'UNAUTHORIZED');
      if (unauthorized) {
        sendJson(res, 401, { valid: false, error: (error as Error).message });
        return;
      }
      throw error;
    }
    const { caller, user } = signedIn;
    const targets = await caller.targets.list();
    sendJson(res, 200, {
      valid: true,
      user: { username: user.username, roles: user.roles },
      expiresAt: new Date(user.expiresAt).toISOString(),
      permissions: {
        viewAll: user.viewAll,
        cancelAll: user.cancelAll,
        targets: targets.map((t) => ({
          id: t.id,
          label: t.label,
          commands: t.commands.map((c) => c.name),
        })),
      },
    });
  }

  /** Runs a command to completion and answers with its output. */
  private async command(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { caller, user } = await this.signedIn(req);
    const body = await readJson(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'Invalid request: body: expected a JSON object.');
    }
    // Validated by the router, with the same limits as every other client.
    const { executionId } = await caller.exec.execute(
      body as Parameters<typeof caller.exec.execute>[0],
    );
    // The command runs on even if the client goes away; only the watching stops.
    const watching = new AbortController();
    res.once('close', () => watching.abort());
    // The answer carries at most INLINE_OUTPUT_BYTES of output; all of it is stored and can be
    // downloaded from outputUrl.
    const all: Uint8Array[] = [];
    const streams = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
    let kept = 0;
    let cut = false;
    for await (const message of this.services.executions.watch(
      user,
      executionId,
      0,
      watching.signal,
    )) {
      if (message.type === 'output') {
        const room = INLINE_OUTPUT_BYTES - kept;
        const data =
          message.data.byteLength <= room ? message.data : message.data.subarray(0, room);
        if (data.byteLength < message.data.byteLength) cut = true;
        if (data.byteLength > 0) {
          all.push(data);
          streams[message.stream].push(data);
          kept += data.byteLength;
        }
        continue;
      }
      if (message.status === 'refused') {
        // Refused on the target (a path resolved outside its prefix): nothing ran, so it is
        // answered like a refusal of the policy, not as a failed command.
        const record = await this.services.executions.byId(user, executionId);
        sendJson(res, 403, {
          error: 'Command not permitted',
          reason: message.error?.message ?? 'Refused on the target.',
          refusalCode: 'path_refused',
          rule: record.rule,
          executionId,
          position: null,
          span: null,
        });
        return;
      }
      sendJson(res, 200, {
        executionId,
        status: message.status,
        exitCode: message.exitCode,
        signal: message.signal,
        execTime: message.execTime,
        truncated: message.truncated,
        output: Buffer.concat(all).toString('utf8'),
        stdout: Buffer.concat(streams.stdout).toString('utf8'),
        stderr: Buffer.concat(streams.stderr).toString('utf8'),
        outputCut: cut,
        outputUrl: `/api/executions/${executionId}/output`,
        error: message.error,
      });
      return;
    }
  }

  /**
   * Runs a command on many targets to the end and answers with every host's result and the
   * hosts grouped by identical results. Output is cut per host as for /api/command.
   */
  private async run(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { caller, user } = await this.signedIn(req);
    const body = await readJson(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'Invalid request: body: expected a JSON object.');
    }
    // Validated by the router, with the same limits as every other client.
    const { runId } = await caller.runs.start(body as Parameters<typeof caller.runs.start>[0]);
    // The run goes on if the client goes away; only the waiting stops.
    const watching = new AbortController();
    res.once('close', () => watching.abort());
    for await (const event of this.services.runs.watch(user, runId, 0, watching.signal)) {
      if (event.type === 'end') break;
    }
    if (watching.signal.aborted) return;
    const run = await this.services.runs.byId(user, runId);
    const hosts = await Promise.all(
      run.hosts.map(async (host) => {
        const output = await this.services.runs.hostOutput(host, INLINE_OUTPUT_BYTES);
        return {
          target: host.target,
          status: host.status,
          exitCode: host.exitCode,
          execTime: host.execTime,
          output: output.text,
          outputCut: output.cut,
          executionId: host.executionId,
          error: host.error,
        };
      }),
    );
    const { summary } = run;
    sendJson(res, 200, {
      runId,
      status: run.status,
      stopReason: run.stopReason,
      summary: {
        total: summary.total,
        succeeded: summary.succeeded,
        failed: summary.failed,
        refused: summary.refused,
        cancelled: summary.cancelled,
        skipped: summary.skipped,
      },
      hosts,
      groups: run.groups.map((g) => ({
        targets: g.targets,
        label: g.label,
        status: g.status,
        exitCode: g.exitCode,
        outputSha256: g.outputSha256,
        sample: g.sample,
      })),
    });
  }

  /**
   * The audit trail as JSON lines, from the event after `after` (0: the first), for a SIEM:
   * resume from the last id it confirmed. `follow=1` keeps the response open and sends new
   * events as they are recorded. Roles with `audit` only.
   */
  private async auditStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { user } = await this.signedIn(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const afterText = url.searchParams.get('after') ?? '0';
    if (!/^\d{1,15}$/.test(afterText))
      throw new HttpError(400, 'after must be an event id (0 or more).');
    const follow =
      url.searchParams.get('follow') === '1' || url.searchParams.get('follow') === 'true';
    let after = Number(afterText);
    // Refused before anything is sent, so that the status says so.
    let page = await this.services.audit.after(user, after, AUDIT_PAGE);
    const closed = new AbortController();
    res.once('close', () => closed.abort());
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
    });
    while (!closed.signal.aborted) {
      for (const event of page) {
        res.write(`${JSON.stringify({ ...event, data: JSON.parse(event.data) as unknown })}\n`);
        after = event.id;
      }
      await waitForDrain(res);
      if (page.length < AUDIT_PAGE) {
        if (!follow) break;
        await new Promise((resolve) => setTimeout(resolve, AUDIT_FOLLOW_MS));
      }
      page = await this.services.audit.after(user, after, AUDIT_PAGE);
    }
    res.end();
  }

  /**
   * An execution's stored output as a text file (stdout and stderr in the order they came), or
   * with `format=cast` as an asciicast recording (v3; `version=2` for players that only know v2).
   */
  private async output(
    req: IncomingMessage,
    res: ServerResponse,
    executionId: string,
  ): Promise<void> {
    const { caller, user } = await this.signedIn(req);
    const record = await caller.exec.byId({ executionId });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const format = url.searchParams.get('format') ?? 'text';
    if (format !== 'text' && format !== 'cast') {
      throw new HttpError(400, 'format must be text or cast.');
    }
    const version = url.searchParams.get('version');
    if (version !== null && (format !== 'cast' || (version !== '2' && version !== '3'))) {
      throw new HttpError(400, 'version (2 or 3) goes with format=cast.');
    }
    const only = url.searchParams.get('stream');
    if (only !== null && (format !== 'text' || (only !== 'stdout' && only !== 'stderr'))) {
      throw new HttpError(400, 'stream must be stdout or stderr, with the text format.');
    }
    if (record.outputPrunedAt !== null) {
      throw new HttpError(
        410,
        `The output of this execution was deleted by retention on ${new Date(record.outputPrunedAt).toISOString()}; its record remains.`,
        { outputPrunedAt: new Date(record.outputPrunedAt).toISOString() },
      );
    }
    if (format === 'cast') {
      return this.recording(res, user, record, version === '2' ? 2 : 3);
    }
    const watching = new AbortController();
    res.once('close', () => watching.abort());
    let started = false;
    for await (const message of this.services.executions.watch(
      user,
      executionId,
      0,
      watching.signal,
      () => waitForDrain(res),
    )) {
      if (!started) {
        started = true;
        res.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-disposition': `attachment; filename="${outputFileName(record, 'txt')}"`,
          'cache-control': 'no-store',
        });
      }
      if (message.type === 'output' && (only === null || only === message.stream)) {
        res.write(message.data);
      }
    }
    if (!started) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end();
  }

  /**
   * The output as an asciicast recording, streamed: read from the log (or live, while it runs)
   * a piece at a time, each piece written once the client has taken the one before.
   */
  private async recording(
    res: ServerResponse,
    user: AuthUser,
    record: ExecutionRecord,
    version: CastVersion,
  ): Promise<void> {
    const watching = new AbortController();
    res.once('close', () => watching.abort());
    const cast = new CastEncoder({
      version,
      startedAt: record.createdAt,
      command: record.input,
      title: `${record.target}: ${record.input}`,
    });
    let started = false;
    let ended = false;
    for await (const message of this.services.executions.watch(
      user,
      record.id,
      0,
      watching.signal,
      () => waitForDrain(res),
    )) {
      if (!started) {
        started = true;
        res.writeHead(200, {
          'content-type': 'application/x-asciicast; charset=utf-8',
          'content-disposition': `attachment; filename="${outputFileName(record, 'cast')}"`,
          'cache-control': 'no-store',
        });
        res.write(cast.header());
      }
      if (message.type === 'output') {
        const lines = cast.output(message);
        if (lines !== '') res.write(lines);
      } else {
        ended = true;
      }
    }
    if (ended) {
      // The record is final once the end has been sent: it holds the exit and when it came.
      const final =
        record.finishedAt === null ? await this.services.executions.byId(user, record.id) : record;
      res.write(cast.exit(castExitStatus(final), final.finishedAt ?? Date.now()));
    }
    res.end();
  }

  private sendError(res: ServerResponse, error: unknown): void {
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
    const status = getHTTPStatusCodeFromError(mapped);
    const issues = mapped.code === 'BAD_REQUEST' ? validationIssues(mapped.cause) : null;
    const first = issues?.[0];
    const message =
      issues === null
        ? mapped.message
        : `Invalid request: ${first === undefined || first.path === '' ? 'body' : first.path}: ${first?.message ?? 'invalid'}.`;
    const cause = mapped.cause;
    const retryAfter =
      cause instanceof LoginRefusedError && cause.kind === 'rate_limited'
        ? { 'retry-after': String(cause.retryAfterSeconds) }
        : cause instanceof DomainError && cause.retryAfterSeconds !== undefined
          ? { 'retry-after': String(cause.retryAfterSeconds) }
          : undefined;
    sendJson(
      res,
      status,
      {
        error: message,
        ...(issues === null ? {} : { issues }),
        ...(refusalDetails(mapped) ?? {}),
      },
      retryAfter,
    );
  }
}

function waitForDrain(res: ServerResponse): Promise<void> {
  if (!res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
