/** The server answered 401: the token is no longer accepted. */
export class SessionExpiredError extends Error {
  override readonly name = 'SessionExpiredError';
}

function filenameFrom(disposition: string | null): string | null {
  const match = disposition === null ? null : /filename="([^"]+)"/.exec(disposition);
  return match?.[1] ?? null;
}

/** The response to a request for an execution's output, checked. */
async function outputResponse(token: string, executionId: string, query = ''): Promise<Response> {
  const response = await fetch(
    `/api/executions/${encodeURIComponent(executionId)}/output${query}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  if (response.status === 401) throw new SessionExpiredError('Your session has expired.');
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `The output could not be fetched (HTTP ${response.status}).`);
  }
  return response;
}

/** An execution's whole output (both streams, in order) as text, as the server stores it. */
export async function fetchOutputText(token: string, executionId: string): Promise<string> {
  return (await outputResponse(token, executionId)).text();
}

/**
 * Saves an execution's whole output (both streams, in order) as a text file, or as an asciicast
 * recording (`cast`) that replays it with its timing: fetched with the token in a header (a plain
 * link could not carry it), then handed to the browser as a blob.
 */
export async function downloadOutput(
  token: string,
  executionId: string,
  format: 'text' | 'cast' = 'text',
): Promise<string> {
  const response = await outputResponse(
    token,
    executionId,
    format === 'cast' ? '?format=cast' : '',
  );
  const blob = await response.blob();
  const name =
    filenameFrom(response.headers.get('content-disposition')) ??
    `ogent-${executionId.slice(0, 8)}.${format === 'cast' ? 'cast' : 'txt'}`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
