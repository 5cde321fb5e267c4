/** Prices in USD per token (per request for `request`), as decimal strings the way OpenRouter publishes them. */
export interface Pricing {
  readonly prompt: string;
  readonly completion: string;
  readonly request?: string;
  readonly image?: string;
  readonly input_cache_read?: string;
  readonly input_cache_write?: string;
  readonly internal_reasoning?: string;
}

/**
 * The wire protocol an adapter speaks: OpenAI-compatible kinds share one adapter with a quirk table; `gemini` and
 * `anthropic` (alias `claude`) have native adapters.
 */
export type AdapterKind =
  | 'vllm'
  | 'sglang'
  | 'openai_compat'
  | 'openai'
  | 'deepseek'
  | 'llama'
  | 'groq'
  | 'openrouter'
  | 'nvidia'
  | 'together'
  | 'fireworks'
  | 'cerebras'
  | 'mistral'
  | 'gemini'
  | 'anthropic'
  | 'claude';

/** The kinds served by the one OpenAI-compatible adapter; the others have a native adapter each. */
export type OpenAICompatibleKind = Exclude<AdapterKind, 'gemini' | 'anthropic' | 'claude'>;

/** Request and token quotas (models.yaml `limits:`), enforced by the limits layer. */
export interface QuotaLimits {
  readonly rpm?: number;
  readonly rpd?: number;
  readonly tpm?: number;
  readonly tpd?: number;
  readonly max_concurrency?: number;
}

/** Whether `limits` sets any quota. */
export function hasQuota(limits: QuotaLimits): boolean {
  return (
    limits.rpm !== undefined ||
    limits.rpd !== undefined ||
    limits.tpm !== undefined ||
    limits.tpd !== undefined ||
    limits.max_concurrency !== undefined
  );
}

/** The quotas a route is subject to: its own, its public model's (over all routes) and its provider's. */
export interface RouteLimits {
  readonly route: QuotaLimits;
  readonly model: QuotaLimits;
  readonly provider: QuotaLimits;
}

/** One way to serve one public model: an upstream endpoint plus the id it knows the model by. */
export interface RouteTarget {
  /** Stable id, `<provider>/<provider_model_id>` made unique per model, e.g. `local-vllm/llama-3.1-8b`. */
  readonly id: string;
  /** Public model id this route serves. */
  readonly modelId: string;
  readonly kind: AdapterKind;
  /** Provider slug for `provider.order/only/ignore` and the response `provider` field (e.g. `groq`). */
  readonly provider: string;
  /** Display name of the provider (e.g. `Groq`). */
  readonly providerName: string;
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:8000/v1`. */
  readonly baseUrl: string;
  /** Secret; never logged or serialised. Empty string when the upstream needs none. */
  readonly apiKey: string;
  readonly providerModelId: string;
  /** Share of traffic from models.yaml, before strategy renormalisation. */
  readonly weight: number;
  readonly rank: number;
  readonly pricing: Pricing;
  /** Served by a local worker (matches a `local_deployment` endpoint or is a vllm/sglang kind). */
  readonly isLocal: boolean;
  /** Parameters this route accepts; others are dropped before forwarding. */
  readonly supportedParameters: ReadonlySet<string>;
  readonly contextLength: number;
  readonly maxOutputTokens: number;
  /** Extra HTTP headers sent upstream (from config). */
  readonly headers: Readonly<Record<string, string>>;
  readonly limits: RouteLimits;
}
