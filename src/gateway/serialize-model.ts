import type { ModelEntry } from '../config/index.js';
import type { Pricing } from '../spec/index.js';

function pricingOf(pricing: Pricing): Record<string, string> {
  return {
    prompt: pricing.prompt,
    completion: pricing.completion,
    request: pricing.request ?? '0',
    image: pricing.image ?? '0',
    web_search: '0',
    internal_reasoning: pricing.internal_reasoning ?? '0',
    ...(pricing.input_cache_read === undefined ? {} : { input_cache_read: pricing.input_cache_read }),
    ...(pricing.input_cache_write === undefined ? {} : { input_cache_write: pricing.input_cache_write }),
  };
}

function architectureOf(model: ModelEntry): Record<string, unknown> {
  return {
    modality: `${model.inputModalities.join('+')}->${model.outputModalities.join('+')}`,
    input_modalities: model.inputModalities,
    output_modalities: model.outputModalities,
    tokenizer: model.tokenizer,
    instruct_type: null,
  };
}

/**
 * A model in OpenRouter's Model schema (reference §5.1), plus OpenAI's `object` and `owned_by` so the OpenAI
 * SDK's `models.list()` reads it too.
 */
export function serializeModel(model: ModelEntry): Record<string, unknown> {
  const slash = model.id.indexOf('/');
  return {
    id: model.id,
    object: 'model',
    owned_by: slash > 0 ? model.id.slice(0, slash) : 'hybrid-inference',
    canonical_slug: model.id,
    hugging_face_id: null,
    name: model.name,
    created: model.created,
    description: model.description,
    context_length: model.contextLength,
    architecture: architectureOf(model),
    pricing: pricingOf(model.pricing),
    top_provider: {
      context_length: model.contextLength,
      max_completion_tokens: model.maxOutputTokens,
      is_moderated: false,
    },
    per_request_limits: null,
    supported_parameters: model.supportedParameters,
    default_parameters: null,
    links: { details: `/api/v1/models/${model.id}/endpoints` },
  };
}

/** `GET /models/{author}/{slug}/endpoints`: one entry per enabled route (OpenRouter's PublicEndpoint). */
export function serializeEndpoints(model: ModelEntry, weights: readonly number[]): Record<string, unknown> {
  return {
    id: model.id,
    name: model.name,
    created: model.created,
    description: model.description,
    architecture: architectureOf(model),
    endpoints: model.routes.map((route, index) => ({
      name: `${route.providerName}: ${model.name}`,
      model_id: model.id,
      model_name: model.name,
      provider_name: route.providerName,
      tag: route.provider,
      context_length: route.contextLength,
      max_completion_tokens: route.maxOutputTokens,
      max_prompt_tokens: null,
      pricing: pricingOf(route.pricing),
      quantization: model.quantization,
      // 0 = serving; -1 = configured but given no traffic by the routing strategy.
      status: (weights[index] ?? 0) > 0 ? 0 : -1,
      supported_parameters: [...route.supportedParameters],
      supports_implicit_caching: false,
      is_local: route.isLocal,
      uptime_last_30m: null,
      latency_last_30m: null,
      throughput_last_30m: null,
    })),
  };
}
