/**
 * Sampling parameters of the request as the client sent them (OpenRouter/OpenAI wire names). The four the
 * seed has columns for are typed; any other (frequency_penalty, stop, ...) is kept in the `params` JSON.
 */
export interface RequestLogParams {
  readonly temperature?: number | null;
  readonly top_p?: number | null;
  readonly max_tokens?: number | null;
  readonly seed?: number | null;
  readonly [name: string]: unknown;
}

/**
 * One row of the request log (`api_logs`): one per request, written when it has finished. Every field is
 * required so the one place that builds it says what it knows; `null` means unknown or not applicable.
 * Objects typed `unknown` must be JSON-serialisable (they are stored as JSON; anything else is stored as null).
 */
export interface RequestLogEntry {
  /** The generation id (`gen-...`); unique: a second row with the same id is ignored. */
  readonly requestId: string;
  /** When the request arrived, ms since the epoch (stored with ms precision). */
  readonly timestamp: number;
  /** The `model` the client asked for (id, alias, `auto`, ...). */
  readonly requestedModel: string;
  /** The public model id that served the request, or `requestedModel` when none did. */
  readonly modelId: string;
  /** The provider that served it, or `''` when none did (the seed's column is NOT NULL). */
  readonly provider: string;
  /** The route that served it (`provider/model`), or null. */
  readonly routeId: string | null;
  /** Whether the serving route is a local deployment; null when none served. */
  readonly isLocal: boolean | null;
  /** HTTP status sent to the client (200 for a stream that started, even if interrupted later). */
  readonly statusCode: number;
  /** The error code (`rate_limited`, `cancelled`, ...), or null on success. */
  readonly errorType: string | null;
  /** Stored in the seed's `error` column. */
  readonly errorMessage: string | null;
  readonly stream: boolean;
  /** Every try of every route, in order (the gateway's `Attempt` objects). */
  readonly attempts: readonly unknown[];
  /** True when a route other than the first tried served it. */
  readonly fallback: boolean;
  /** True when a stream failed after its first content chunk. */
  readonly interrupted: boolean;
  /** True when the client went away before the end. */
  readonly cancelled: boolean;
  readonly params: RequestLogParams;
  /** Time to the first content chunk, whole ms (rounded when stored); null when none came. */
  readonly ttftMs: number | null;
  /** Arrival to last byte, whole ms (rounded when stored). */
  readonly latencyMs: number;
  /** Token counts; null when unknown (no route served). */
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  /** Part of `completionTokens`. */
  readonly reasoningTokens: number | null;
  /** Prompt tokens read from the provider's cache (part of `promptTokens`; the seed's `cache_read_tokens`). */
  readonly cachedTokens: number | null;
  /** Prompt tokens written to the provider's cache (the seed's `cache_write_tokens`). */
  readonly cacheWriteTokens: number | null;
  readonly totalTokens: number | null;
  /** True when the counts are our tokenizer's estimate because the upstream reported none. */
  readonly estimated: boolean;
  /** Cost in USD (stored to 1e-12 USD on PostgreSQL); null when unknown. */
  readonly costUsd: number | null;
  /** The first choice's finish reason as the client saw it (`stop`, `length`, `tool_calls`, `error`, ...). */
  readonly finishReason: string | null;
  /** The upstream's own finish reason (`end_turn`, `MAX_TOKENS`, ...). */
  readonly nativeFinishReason: string | null;
  /** The client key's id (never the key), when auth is on. */
  readonly apiKeyId: string | null;
  /** The request's `user` field. */
  readonly userId: string | null;
  readonly sessionId: string | null;
  /** `HTTP-Referer` and `X-Title` (OpenRouter app attribution). */
  readonly referer: string | null;
  readonly title: string | null;
  /** Prompt and response text: null unless content logging is on (`LOG_CONTENT=true`). */
  readonly prompt: string | null;
  readonly response: string | null;
  /** SHA-256 hex of the prompt and response text (`hashContent`), stored even when the text is not. */
  readonly promptHash: string | null;
  readonly responseHash: string | null;
  /** Tool definitions (or their names) the request offered, or null. */
  readonly tools: readonly unknown[] | null;
  /** Anything else worth keeping (user agent, client ip, authenticated, ...). */
  readonly metadata: Readonly<Record<string, unknown>>;
}
