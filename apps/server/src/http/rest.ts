import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthUser,
  LoginRefusedError,
  type Services,
  TokenError,
  bearerToken,
  refusalDetails,
} from '@ogent/api';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { z } from 'zod';
import { HttpError, readJson, sendJson } from './body.js';

const loginBody = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
});

const commandBody = z.object({
  // An empty command is the policy's to refuse (and record), as over tRPC.
  command: z.string().max(65_536),
  target: z.string().min(1).max(64),
  /** Extra arguments, each passed as one literal word (quoted for you). */
  params: z.array(z.string().max(4096)).max(64).optional(),
  idempotencyKey: z.string().min(1).max(128).optional(),
});

/** Output returned inline by POST /api/command; the rest is downloaded from outputUrl. */
export const INLINE_OUTPUT_BYTES = 4 * 1024 * 1024;

const EXECUTION_PATH = /^\/api\/executions\/([^/]*)\/output$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A parameter as one literal word of the command line, for the policy's tokenizer (not for a
 * shell: the executor quotes what runs). Unlike quoteArg it never throws, so a NUL or other
 * control character reaches the policy, which refuses it and records the attempt.
 */
function literalWord(param: string): string {
  return `'${param.replaceAll("'", `'\\''`)}'`;
}

/** A file name made only of characters that are safe in any Content-Disposition header. */
function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.');
    throw new HttpError(400, `Invalid request: ${where}: ${issue?.message ?? 'invalid'}.`, {
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}

/**
 * The HTTP contract of the original design, for curl and non-TypeScript clients. The same
 * services as the tRPC router, so both enforce the same policy and write the same audit records.
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
      case '/api/command':
        return post(() => this.command(req, res));
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

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(loginBody, await readJson(req));
    try {
      const { token, expiresAt, user } = await this.services.auth.login(
        body.username,
        body.password,
        this.clientAddress(req),
      );
      sendJson(res, 200, {
        token,
        expiresAt: new Date(expiresAt).toISOString(),
        user: { username: user.username, roles: user.roles },
      });
    } catch (error) {
      if (error instanceof LoginRefusedError) {
        if (error.kind === 'rate_limited') {
          throw new HttpError(
            429,
            error.message,
            {},
            { 'retry-after': String(error.retryAfterSeconds) },
          );
        }
        throw new HttpError(401, error.message);
      }
      throw error;
    }
  }

  private async validate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    let user: AuthUser;
    try {
      user = await this.authenticate(req);
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        sendJson(res, 401, { valid: false, error: error.message });
        return;
      }
      throw error;
    }
    sendJson(res, 200, {
      valid: true,
      user: { username: user.username, roles: user.roles },
      expiresAt: new Date(user.expiresAt).toISOString(),
      permissions: {
        viewAll: user.viewAll,
        cancelAll: user.cancelAll,
        targets: this.services.catalog.list(user).map((t) => ({
          id: t.id,
          label: t.label,
          commands: t.commands.map((c) => c.name),
        })),
      },
    });
  }

  /** Runs a command to completion and answers with its output. */
  private async command(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const user = await this.authenticate(req);
    const body = parseBody(commandBody, await readJson(req));
    const input =
      body.params === undefined || body.params.length === 0
        ? body.command
        : `${body.command} ${body.params.map(literalWord).join(' ')}`;
    const { executionId } = await this.services.executions.execute(user, {
      target: body.target,
      command: input,
      source: 'http',
      ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
    });
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
          reason: message.error,
          refusalCode: 'path_refused',
          rule: record.rule,
          executionId,
          position: null,
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

  /** An execution's stored output as a text file (stdout and stderr in the order they came). */
  private async output(
    req: IncomingMessage,
    res: ServerResponse,
    executionId: string,
  ): Promise<void> {
    const user = await this.authenticate(req);
    const record = await this.services.executions.byId(user, executionId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const only = url.searchParams.get('stream');
    if (only !== null && only !== 'stdout' && only !== 'stderr') {
      throw new HttpError(400, 'stream must be stdout or stderr.');
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
          'content-disposition': `attachment; filename="ogent-${safeFileName(record.target)}-${executionId.slice(0, 8)}.txt"`,
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

  private async authenticate(req: IncomingMessage): Promise<AuthUser> {
    const token = bearerToken(req.headers.authorization);
    if (token === null) {
      throw new HttpError(
        401,
        'Send a token: Authorization: Bearer <token> (from POST /api/auth/login).',
      );
    }
    try {
      return await this.services.auth.authenticate(token);
    } catch (error) {
      if (error instanceof TokenError) throw new HttpError(401, error.message);
      throw error;
    }
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
    if (error instanceof TRPCError) {
      const refusal = refusalDetails(error);
      const status = getHTTPStatusCodeFromError(error);
      sendJson(
        res,
        status,
        refusal === null ? { error: error.message } : { error: error.message, ...refusal },
      );
      return;
    }
    throw error;
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
