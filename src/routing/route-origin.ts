import type { RouteTarget } from '../spec/index.js';

/** `http://host:8000` of a route's base URL: where vLLM and SGLang serve `/health` and `/metrics`. */
export function routeOrigin(route: RouteTarget): string {
  return new URL(route.baseUrl).origin;
}
