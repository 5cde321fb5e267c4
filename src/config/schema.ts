import { z } from 'zod';

const DECIMAL = /^\d+(\.\d+)?([eE]-?\d+)?$/;

/** Prices are USD per token; written as strings (OpenRouter style), numbers are accepted and kept exact. */
const price = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value) => (typeof value === 'number' ? String(value) : value.trim()))
  .refine((value) => DECIMAL.test(value), {
    error: 'must be a non-negative decimal in USD per token, e.g. "0.00000012"',
  });

export const pricingSchema = z.strictObject({
  prompt: price.optional(),
  completion: price.optional(),
  request: price.optional(),
  image: price.optional(),
  web_search: price.optional(),
  internal_reasoning: price.optional(),
  input_cache_read: price.optional(),
  input_cache_reads: price.optional(),
  input_cache_write: price.optional(),
  input_cache_writes: price.optional(),
});

const positiveInt = z.number().int().positive();

export const limitsSchema = z.strictObject({
  rpm: positiveInt.optional(),
  rpd: positiveInt.optional(),
  tpm: positiveInt.optional(),
  tpd: positiveInt.optional(),
  max_concurrency: positiveInt.optional(),
});

const headersSchema = z.record(z.string(), z.string());

const urlString = z.string().refine((value) => value === '' || /^https?:\/\/[^\s/]+/.test(value), {
  error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1',
});

export const providerSchema = z.strictObject({
  kind: z.string(),
  name: z.string().optional(),
  base_url: urlString.optional(),
  api_key: z.string().optional(),
  headers: headersSchema.optional(),
  limits: limitsSchema.optional(),
});

export const routeSchema = z.strictObject({
  kind: z.string().optional(),
  provider: z.string().optional(),
  name: z.string().optional(),
  base_url: urlString.optional(),
  api_key: z.string().optional(),
  provider_model_id: z.string().min(1).optional(),
  weight: z.number().nonnegative().optional(),
  rank: z.number().int().positive().optional(),
  pricing: pricingSchema.optional(),
  headers: headersSchema.optional(),
  limits: limitsSchema.optional(),
  quantization: z.string().optional(),
  enabled: z.boolean().optional(),
});

const modalities = z.array(z.enum(['text', 'image', 'file', 'audio', 'video'])).min(1);

export const modelSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._~/:+-]+$/, { error: 'use letters, digits and . _ ~ / : + - only' }),
  name: z.string().optional(),
  description: z.string().optional(),
  created: z.number().int().nonnegative().optional(),
  aliases: z.array(z.string().min(1)).optional(),
  provider: z.string().optional(),
  base_url: urlString.optional(),
  api_key: z.string().optional(),
  provider_model_id: z.string().min(1).optional(),
  quantization: z.string().optional(),
  input_modalities: modalities.optional(),
  output_modalities: z.array(z.string()).min(1).optional(),
  tokenizer: z.string().optional(),
  context_length: positiveInt.optional(),
  max_output_length: positiveInt.optional(),
  supports_tools: z.boolean().optional(),
  supports_structured_output: z.boolean().optional(),
  supports_reasoning: z.boolean().optional(),
  supported_params: z.array(z.string()).optional(),
  pricing: pricingSchema.optional(),
  limits: limitsSchema.optional(),
  headers: headersSchema.optional(),
  route: z.array(routeSchema).min(1).optional(),
});

export const modelsFileSchema = z.strictObject({
  providers: z.record(z.string(), providerSchema).optional(),
  models: z.array(modelSchema),
});

const deploymentSchema = z.strictObject({
  endpoint: z.string().refine((value) => /^https?:\/\/\S+$/.test(value), {
    error: 'must be an http:// or https:// URL; an empty value usually means an unset variable',
  }),
  models: z.array(z.string().min(1)).min(1, { error: 'list at least one model id served by this endpoint' }),
});

export const ROUTING_STRATEGIES = [
  'fixed',
  'weighted',
  'ranked',
  'least-latency',
  'load-aware',
  'cost',
] as const;

export const routingFileSchema = z.strictObject({
  routing_strategy: z
    .enum(ROUTING_STRATEGIES, { error: `must be one of ${ROUTING_STRATEGIES.join(', ')}` })
    .optional(),
  routing_parameter: z
    .strictObject({
      local_fraction: z.number().min(0).max(1).optional(),
      timeout: z.number().nonnegative().optional(),
      health_check: z.number().nonnegative().optional(),
      max_waiting: z.number().int().nonnegative().optional(),
      target_ttft_ms: z.number().positive().optional(),
      scrape_interval_ms: z.number().positive().optional(),
      stale_after_ms: z.number().positive().optional(),
      hysteresis: z.number().min(0).max(1).optional(),
      kv_cache_limit: z.number().positive().max(1).optional(),
      exploration: z.number().min(0).max(1).optional(),
      ewma_alpha: z.number().positive().max(1).optional(),
      check_remote: z.boolean().optional(),
    })
    .optional(),
  auto_model: z.string().min(1).optional(),
  cooldowns: z
    .strictObject({
      rate_limit_seconds: z.number().nonnegative().optional(),
      auth_error_seconds: z.number().nonnegative().optional(),
      model_not_found_seconds: z.number().nonnegative().optional(),
    })
    .optional(),
  logging: z.record(z.string(), z.unknown()).optional(),
  local_deployment: z.array(deploymentSchema).optional(),
  remote_deployment: z.array(deploymentSchema).optional(),
  retry: z
    .strictObject({
      attempts: z.number().int().nonnegative().optional(),
      backoff_ms: z.number().nonnegative().optional(),
      max_backoff_ms: z.number().nonnegative().optional(),
    })
    .optional(),
  timeouts: z
    .strictObject({
      connect_ms: z.number().positive().optional(),
      ttft_ms: z.number().positive().optional(),
      idle_ms: z.number().positive().optional(),
      total_ms: z.number().positive().optional(),
      keep_alive_ms: z.number().positive().optional(),
      attempt_ms: z.number().positive().optional(),
    })
    .optional(),
  circuit_breaker: z
    .strictObject({
      failure_threshold: z.number().int().positive().optional(),
      cooldown_seconds: z.number().nonnegative().optional(),
      failure_rate: z.number().positive().max(1).optional(),
      window_seconds: z.number().positive().optional(),
      min_requests: z.number().int().positive().optional(),
    })
    .optional(),
});

export type ModelsFile = z.infer<typeof modelsFileSchema>;
export type ModelEntryInput = z.infer<typeof modelSchema>;
export type RouteInput = z.infer<typeof routeSchema>;
export type ProviderInput = z.infer<typeof providerSchema>;
export type PricingInput = z.infer<typeof pricingSchema>;
export type LimitsInput = z.infer<typeof limitsSchema>;
export type RoutingFile = z.infer<typeof routingFileSchema>;
