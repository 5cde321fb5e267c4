import type { UpstreamPools } from './upstream-pools.js';

/** A small GET for health checks and metrics scrapes. */
export type HttpProbe = (
  url: string,
  options: { readonly headers: Readonly<Record<string, string>>; readonly timeoutMs: number },
) => Promise<{ readonly status: number; readonly text: string }>;

/** Bodies of health and metrics pages are small; anything past this is not read. */
const MAX_PROBE_BYTES = 1024 * 1024;

/** GETs for health checks and metrics scrapes over the same keep-alive pools as the traffic. */
export function createHttpProbe(pools: UpstreamPools): HttpProbe {
  return async (url, options) => {
    const parsed = new URL(url);
    const response = await pools.dispatcherFor(parsed.origin).request({
      method: 'GET',
      path: `${parsed.pathname}${parsed.search}`,
      headers: options.headers,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    let text = '';
    for await (const chunk of response.body) {
      if (text.length < MAX_PROBE_BYTES) text += (chunk as Buffer).toString('utf8');
    }
    return { status: response.statusCode, text };
  };
}
