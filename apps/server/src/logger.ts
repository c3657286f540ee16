import { pino } from 'pino';

export type ServerLogger = pino.Logger;

/**
 * Structured JSON logs on stdout. Tokens and passwords never reach a log line: the paths where
 * they could appear are redacted, and request URLs are logged without their query string.
 */
export function createLogger(level: string): ServerLogger {
  return pino({
    level,
    base: { service: 'ogent' },
    redact: {
      paths: [
        'password',
        'token',
        '*.password',
        '*.token',
        'req.headers.authorization',
        'headers.authorization',
        'connectionParams',
      ],
      censor: '[redacted]',
    },
  });
}
