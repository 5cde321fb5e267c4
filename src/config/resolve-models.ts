import type { AdapterKind, Pricing, RouteTarget } from '../spec/index.js';
import type { DisabledRoute, Limits, ModelEntry, RoutingSettings } from './config.js';
import type { ConfigProblem } from './config-error.js';
import { defaultSupportedParameters } from './default-parameters.js';
import { normalizeEndpoint } from './normalize-endpoint.js';
import { ADAPTER_KINDS, PROVIDER_KINDS, isAdapterKind } from './provider-kinds.js';
import type { ModelEntryInput, ModelsFile, PricingInput, ProviderInput, RouteInput } from './schema.js';
import { referencedVariables } from './substitute-env.js';

export interface ResolveModelsInput {
  readonly file: string;
  readonly models: ModelsFile;
  /** The same document before `${VAR}` substitution, to name the variable behind an empty key. */
  readonly raw: unknown;
  readonly routing: Pick<RoutingSettings, 'localEndpoints' | 'remoteEndpoints'>;
  readonly offload: { readonly enabled: boolean; readonly localBaseUrl: string | null };
  /** Unix seconds used as `created` for models that do not set it. */
  readonly createdDefault: number;
}

export interface ResolveModelsOutput {
  readonly models: ModelEntry[];
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

const DEFAULT_CONTEXT_LENGTH = 8192;
const DEFAULT_MAX_OUTPUT = 4096;

function rawString(raw: unknown, path: readonly (string | number)[]): string | undefined {
  let current: unknown = raw;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return typeof current === 'string' ? current : undefined;
}

function toPricing(input: PricingInput | undefined): Pricing {
  const pricing: Record<string, string> = {
    prompt: input?.prompt ?? '0',
    completion: input?.completion ?? '0',
  };
  const optional: [keyof Pricing, string | undefined][] = [
    ['request', input?.request],
    ['image', input?.image],
    ['internal_reasoning', input?.internal_reasoning],
    ['input_cache_read', input?.input_cache_read ?? input?.input_cache_reads],
    ['input_cache_write', input?.input_cache_write ?? input?.input_cache_writes],
  ];
  for (const [key, value] of optional) if (value !== undefined) pricing[key] = value;
  return pricing as unknown as Pricing;
}

interface RouteContext {
  readonly input: ResolveModelsInput;
  readonly model: ModelEntryInput;
  readonly modelIndex: number;
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
  readonly usedIds: Set<string>;
}

type RouteOutcome =
  | { readonly enabled: true; readonly route: RouteTarget }
  | { readonly enabled: false; readonly disabled: DisabledRoute }
  | null;

function resolveRoute(context: RouteContext, route: RouteInput, routeIndex: number): RouteOutcome {
  const { input, model, modelIndex, problems } = context;
  const routePath =
    model.route === undefined ? `models[${modelIndex}]` : `models[${modelIndex}].route[${routeIndex}]`;
  const providers = input.models.providers ?? {};
  const providerName = route.provider ?? (route.kind === undefined ? model.provider : undefined);
  let shared: ProviderInput | undefined;
  let kindName = route.kind;
  if (providerName !== undefined) {
    shared = providers[providerName];
    if (shared !== undefined) kindName ??= shared.kind;
    else if (isAdapterKind(providerName)) kindName ??= providerName;
    else {
      problems.push({
        file: input.file,
        path: `${routePath}.provider`,
        message: `unknown provider '${providerName}'; define it under 'providers:' or set 'kind:' to one of ${ADAPTER_KINDS.join(', ')}`,
      });
      return null;
    }
  }
  if (kindName === undefined) {
    problems.push({
      file: input.file,
      path: routePath,
      message: `route has no 'kind' or 'provider'; add kind: vllm (or another of ${ADAPTER_KINDS.join(', ')})`,
    });
    return null;
  }
  if (!isAdapterKind(kindName)) {
    problems.push({
      file: input.file,
      path: `${routePath}.kind`,
      message: `unknown kind '${kindName}'; use one of ${ADAPTER_KINDS.join(', ')}`,
    });
    return null;
  }
  const kind: AdapterKind = kindName;
  const defaults = PROVIDER_KINDS[kind];
  const baseUrlValue = route.base_url ?? model.base_url ?? shared?.base_url ?? defaults.defaultBaseUrl ?? '';
  if (baseUrlValue === '') {
    problems.push({
      file: input.file,
      path: `${routePath}.base_url`,
      message: `is required for kind ${kind} (it is empty or missing); e.g. base_url: http://127.0.0.1:8000/v1`,
    });
    return null;
  }
  const baseUrl = baseUrlValue.replace(/\/+$/, '');
  const providerSlug = shared === undefined ? (providerName ?? kind) : (providerName ?? kind);
  let id = `${providerSlug}/${model.id}`;
  for (let suffix = 2; context.usedIds.has(id); suffix += 1) id = `${providerSlug}/${model.id}#${suffix}`;
  context.usedIds.add(id);

  const apiKey = route.api_key ?? model.api_key ?? shared?.api_key ?? '';
  const keyDeclared =
    route.api_key !== undefined || model.api_key !== undefined || shared?.api_key !== undefined;
  if (apiKey === '' && (defaults.requiresApiKey || keyDeclared)) {
    const rawKey =
      rawString(input.raw, ['models', modelIndex, 'route', routeIndex, 'api_key']) ??
      rawString(input.raw, ['models', modelIndex, 'api_key']) ??
      (providerName === undefined ? undefined : rawString(input.raw, ['providers', providerName, 'api_key']));
    const variables = rawKey === undefined ? [] : referencedVariables(rawKey);
    const hint =
      variables.length > 0
        ? `set ${variables.join(' or ')}`
        : `add api_key${defaults.apiKeyVariable === null ? '' : `: \${${defaults.apiKeyVariable}}`}`;
    const detail = `api_key is empty (${hint})`;
    context.warnings.push(`route ${id} of model ${model.id} disabled: ${detail}`);
    return { enabled: false, disabled: { id, provider: providerSlug, reason: 'missing_api_key', detail } };
  }
  if (route.enabled === false) {
    return {
      enabled: false,
      disabled: {
        id,
        provider: providerSlug,
        reason: 'disabled_in_config',
        detail: 'enabled: false in models.yaml',
      },
    };
  }
  const endpoint = normalizeEndpoint(baseUrl);
  const offload = input.offload;
  if (
    offload.enabled &&
    offload.localBaseUrl !== null &&
    normalizeEndpoint(offload.localBaseUrl) === endpoint
  ) {
    return {
      enabled: false,
      disabled: {
        id,
        provider: providerSlug,
        reason: 'offload',
        detail: 'OFFLOAD is on and this route is local',
      },
    };
  }
  const declaredLocal = input.routing.localEndpoints.includes(endpoint);
  const declaredRemote = input.routing.remoteEndpoints.includes(endpoint);
  const isLocalBase = offload.localBaseUrl !== null && normalizeEndpoint(offload.localBaseUrl) === endpoint;
  const isLocal = declaredLocal || (!declaredRemote && (defaults.isLocal || isLocalBase));
  return {
    enabled: true,
    route: {
      id,
      modelId: model.id,
      kind,
      provider: providerSlug,
      providerName: route.name ?? shared?.name ?? defaults.displayName,
      baseUrl,
      apiKey,
      providerModelId: route.provider_model_id ?? model.provider_model_id ?? model.id,
      weight: route.weight ?? 1,
      rank: route.rank ?? routeIndex + 1,
      pricing: toPricing(route.pricing ?? model.pricing),
      isLocal,
      supportedParameters: new Set<string>(),
      contextLength: model.context_length ?? DEFAULT_CONTEXT_LENGTH,
      maxOutputTokens: model.max_output_length ?? DEFAULT_MAX_OUTPUT,
      headers: { ...shared?.headers, ...model.headers, ...route.headers },
      // The model's own quotas are filled in once the model entry is built.
      limits: { route: route.limits ?? {}, model: {}, provider: shared?.limits ?? {} },
    },
  };
}

/** Resolves models.yaml into model entries with enabled and disabled routes; collects every problem. */
export function resolveModels(input: ResolveModelsInput): ResolveModelsOutput {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const models: ModelEntry[] = [];
  const names = new Map<string, string>();
  input.models.models.forEach((model, modelIndex) => {
    for (const [offset, name] of [model.id, ...(model.aliases ?? [])].entries()) {
      const previous = names.get(name);
      const path = offset === 0 ? `models[${modelIndex}].id` : `models[${modelIndex}].aliases[${offset - 1}]`;
      if (previous !== undefined) {
        problems.push({
          file: input.file,
          path,
          message: `'${name}' is already used by ${previous}; ids and aliases must be unique`,
        });
      } else names.set(name, `models[${modelIndex}]`);
    }
    const context: RouteContext = { input, model, modelIndex, problems, warnings, usedIds: new Set() };
    const routes: RouteTarget[] = [];
    const disabledRoutes: DisabledRoute[] = [];
    (model.route ?? [{}]).forEach((route, routeIndex) => {
      const outcome = resolveRoute(context, route, routeIndex);
      if (outcome === null) return;
      if (outcome.enabled) routes.push(outcome.route);
      else disabledRoutes.push(outcome.disabled);
    });
    const supportsTools = model.supports_tools ?? false;
    const supportsStructuredOutput = model.supports_structured_output ?? false;
    const supportsReasoning = model.supports_reasoning ?? false;
    const supportedParameters =
      model.supported_params ??
      defaultSupportedParameters({
        supportsTools,
        supportsStructuredOutput,
        supportsReasoning,
        localOnly: routes.length > 0 && routes.every((route) => route.isLocal),
        nativeTopK:
          routes.length > 0 &&
          routes.every((route) => ['gemini', 'anthropic', 'claude'].includes(route.kind)),
      });
    const parameterSet: ReadonlySet<string> = new Set(supportedParameters);
    const limits: Limits = model.limits ?? {};
    models.push({
      id: model.id,
      name: model.name ?? model.id,
      description: model.description ?? '',
      created: model.created ?? input.createdDefault,
      aliases: model.aliases ?? [],
      contextLength: model.context_length ?? DEFAULT_CONTEXT_LENGTH,
      maxOutputTokens: model.max_output_length ?? DEFAULT_MAX_OUTPUT,
      supportsTools,
      supportsStructuredOutput,
      supportsReasoning,
      supportedParameters,
      pricing: toPricing(model.pricing),
      inputModalities: model.input_modalities ?? ['text'],
      outputModalities: model.output_modalities ?? ['text'],
      tokenizer: model.tokenizer ?? 'Other',
      quantization: model.quantization ?? null,
      limits,
      routes: routes.map((route) => ({
        ...route,
        supportedParameters: parameterSet,
        limits: { ...route.limits, model: limits },
      })),
      disabledRoutes,
    });
  });
  return { models, problems, warnings };
}
