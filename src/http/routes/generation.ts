import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { RequestLogEntry } from '../../storage/index.js';

export interface GenerationRouteOptions {
  /** The logged row of a generation id (after the rows still queued were written), or null. */
  readonly find: ((id: string) => Promise<RequestLogEntry | null>) | null;
  /**
   * The client key id of the calling request when keys are in force (null for the admin key or without keys):
   * a client key sees only its own generations, as on OpenRouter.
   */
  readonly callerKeyId: (request: FastifyRequest) => string | null;
}

/** OpenRouter's GenerationResponse for one logged request (fields the gateway does not know are null). */
function generationOf(entry: RequestLogEntry) {
  const generationMs =
    entry.ttftMs === null || !entry.stream ? null : Math.max(0, entry.latencyMs - entry.ttftMs);
  return {
    id: entry.requestId,
    upstream_id: null,
    request_id: entry.requestId,
    total_cost: entry.costUsd ?? 0,
    usage: entry.costUsd ?? 0,
    cache_discount: null,
    upstream_inference_cost: null,
    created_at: new Date(entry.timestamp).toISOString(),
    model: entry.modelId,
    app_id: null,
    streamed: entry.stream,
    cancelled: entry.cancelled,
    provider_name: entry.provider === '' ? null : entry.provider,
    latency: entry.latencyMs,
    moderation_latency: null,
    generation_time: generationMs,
    finish_reason: entry.finishReason,
    native_finish_reason: entry.nativeFinishReason,
    tokens_prompt: entry.promptTokens,
    tokens_completion: entry.completionTokens,
    native_tokens_prompt: entry.promptTokens,
    native_tokens_completion: entry.completionTokens,
    native_tokens_reasoning: entry.reasoningTokens,
    native_tokens_cached: entry.cachedTokens,
    num_media_prompt: null,
    num_media_completion: null,
    num_search_results: null,
    origin: entry.referer ?? '',
    http_referer: entry.referer,
    external_user: entry.userId,
    is_byok: false,
    api_type: 'completions',
    router: null,
    session_id: entry.sessionId,
    // Not OpenRouter's: the gateway's own facts about how the request was served.
    status_code: entry.statusCode,
    error_type: entry.errorType,
    route: entry.routeId,
    attempts: entry.attempts,
    estimated_usage: entry.estimated,
  };
}

/** `GET /api/v1/generation?id=gen-…` (and `/v1/generation`): one request from the request log. */
export function registerGeneration(app: FastifyInstance, options: GenerationRouteOptions): void {
  for (const path of ['/api/v1/generation', '/v1/generation']) {
    app.get<{ Querystring: { id?: string } }>(path, async (request) => {
      const id = request.query.id;
      if (typeof id !== 'string' || id === '') {
        throw new GatewayError(
          'invalid_request',
          'Pass the generation id: GET /api/v1/generation?id=gen-...',
          {
            param: 'id',
          },
        );
      }
      if (options.find === null) {
        throw new GatewayError(
          'not_found',
          'The request log is off (USE_SQLITE_LOG=false and no DATABASE_URL): generations are not kept.',
          { param: 'id' },
        );
      }
      const found = await options.find(id);
      const callerKeyId = options.callerKeyId(request);
      // Another key's generation is answered like a missing one: its existence is not confirmed either.
      const entry = found !== null && callerKeyId !== null && found.apiKeyId !== callerKeyId ? null : found;
      if (entry === null) {
        throw new GatewayError('not_found', `No generation with id '${id}' in the request log.`, {
          param: 'id',
        });
      }
      return { data: generationOf(entry) };
    });
  }
}
