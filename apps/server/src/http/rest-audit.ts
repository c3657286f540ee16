import { HttpError, waitForDrain } from './body.js';
import { type RestRequest, events } from './rest-request.js';

/**
 * GET /api/audit: the audit trail as JSON lines, from the event after `after` (0: the first),
 * for a SIEM: resume from the last id it confirmed. `follow=1` keeps the response open and sends
 * new events as they are recorded. Roles with `audit` only.
 */
export async function auditStream(request: RestRequest): Promise<void> {
  const { req, res } = request;
  const { caller } = await request.signedIn();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const after = url.searchParams.get('after') ?? '0';
  if (!/^\d{1,15}$/.test(after)) throw new HttpError(400, 'after must be an event id (0 or more).');
  const follow =
    url.searchParams.get('follow') === '1' || url.searchParams.get('follow') === 'true';
  // Refused before anything is sent, so that the status says so.
  await caller.audit.list({ after: Number(after), limit: 1 });
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
  });
  for await (const event of events(await caller.audit.onEvent({ lastEventId: after, follow }))) {
    res.write(`${JSON.stringify({ ...event, data: JSON.parse(event.data) as unknown })}\n`);
    await waitForDrain(res);
  }
  res.end();
}
