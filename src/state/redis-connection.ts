import { Redis } from 'ioredis';

/**
 * An ioredis client that fails fast instead of waiting: no offline queue (a command while disconnected
 * fails at once), no resend after a reconnect, every command bounded by `commandTimeoutMs`. It reconnects
 * in the background (backoff up to 2 s) until `disconnect()`; `connect()` is the caller's to call.
 */
export function createRedisClient(url: string, commandTimeoutMs: number, connectTimeoutMs: number): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The URL without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/** Rejects after `ms` if `promise` has not settled; the late outcome of `promise` is ignored. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
