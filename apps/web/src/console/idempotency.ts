/**
 * A fresh key per command sent: if the request is retried (a flaky network), the server
 * answers with the first execution instead of running the command twice. crypto.randomUUID needs
 * a secure context; getRandomValues does not.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
