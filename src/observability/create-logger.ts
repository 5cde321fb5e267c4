import { pino, type Logger } from 'pino';

/**
 * The one logger. JSON lines on stdout, written asynchronously so a log line never blocks a request; secrets
 * are redacted by path as a second line of defence (they should never be logged in the first place).
 */
export function createLogger(level: string, destination: NodeJS.WritableStream | null = null): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          'headers.authorization',
          '*.headers.authorization',
          'req.headers.authorization',
          'headers["x-api-key"]',
          '*.headers["x-api-key"]',
          'req.headers["x-api-key"]',
          'headers["x-goog-api-key"]',
          '*.headers["x-goog-api-key"]',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

export type { Logger };
