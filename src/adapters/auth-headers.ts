import type { RouteTarget } from '../spec/index.js';

/** Anthropic's API version header, required on every call. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * The headers that authenticate a call to the route's upstream, in its protocol's scheme: `x-goog-api-key` for
 * Gemini, `x-api-key` + `anthropic-version` for Anthropic, a bearer token otherwise. Empty without a key
 * (local workers), except Anthropic's version header. Used by health checks, which probe `GET {base}/models`.
 */
export function authHeadersOf(route: RouteTarget): Record<string, string> {
  switch (route.kind) {
    case 'gemini':
      return route.apiKey === '' ? {} : { 'x-goog-api-key': route.apiKey };
    case 'anthropic':
    case 'claude':
      return {
        'anthropic-version': ANTHROPIC_VERSION,
        ...(route.apiKey === '' ? {} : { 'x-api-key': route.apiKey }),
      };
    default:
      return route.apiKey === '' ? {} : { authorization: `Bearer ${route.apiKey}` };
  }
}
