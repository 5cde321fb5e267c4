import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../../src/errors/index.js';
import { parseChatRequest } from '../../src/gateway/parse-chat-request.js';
import { parseProviderPreferences } from '../../src/gateway/parse-provider-preferences.js';
import {
  DEFAULT_PROVIDER_PREFERENCES,
  planWithPreferences,
  type PlanWithPreferencesInput,
  type ProviderPreferences,
} from '../../src/gateway/provider-preferences.js';
import { EMPTY_ROUTE_STATS, type RouteStats } from '../../src/routing/route-stats.js';
import type { RouteTarget } from '../../src/spec/index.js';
import { makeContext } from '../helpers/make-context.js';
import { makeRoute } from '../helpers/make-route.js';

const groq = makeRoute({ id: 'groq/m', pricing: { prompt: '0.000003', completion: '0.000015' } });
const deepseek = makeRoute({ id: 'deepseek/m', pricing: { prompt: '0.0000002', completion: '0.0000008' } });
const vertexEurope = makeRoute({
  id: 'google-vertex/europe/m',
  provider: 'google-vertex/europe',
  pricing: { prompt: '0.000001', completion: '0.000002' },
});
const local = makeRoute({
  id: 'vllm/m',
  isLocal: true,
  supportedParameters: new Set(['temperature', 'max_tokens', 'tools', 'top_k']),
});
const routes = [groq, deepseek, vertexEurope, local];

/** A strategy stub that plans in reverse config order, so its use is visible. */
const reversePlan = (candidates: readonly RouteTarget[]): RouteTarget[] => [...candidates].reverse();

function plan(
  preferences: Partial<ProviderPreferences> | null,
  overrides: Partial<PlanWithPreferencesInput> = {},
): string[] {
  return planWithPreferences({
    candidates: routes,
    preferences: preferences === null ? null : { ...DEFAULT_PROVIDER_PREFERENCES, ...preferences },
    requestedParameters: new Set(),
    quantizationOf: () => null,
    strategyPlan: reversePlan,
    context: makeContext(),
    ...overrides,
  }).map((route) => route.id);
}

function statsBy(table: Record<string, Partial<RouteStats>>) {
  return makeContext({ stats: (route) => ({ ...EMPTY_ROUTE_STATS, ...table[route.id] }) });
}

function assertConstraintError(run: () => unknown, excludedBy: string[], message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'not_found');
    assert.equal(error.metadata.reason, 'constraint_filtered');
    assert.deepEqual(error.metadata.excluded_by, excludedBy);
    assert.match(error.message, message);
    return true;
  });
}

describe('planWithPreferences', () => {
  test('null preferences are the strategy plan, untouched', () => {
    assert.deepEqual(plan(null), ['vllm/m', 'google-vertex/europe/m', 'deepseek/m', 'groq/m']);
  });

  test('default preferences (provider: {}) still plan with the strategy', () => {
    assert.deepEqual(plan({}), ['vllm/m', 'google-vertex/europe/m', 'deepseek/m', 'groq/m']);
  });

  test('no candidates (all unhealthy) → empty plan, no constraint error', () => {
    assert.deepEqual(plan({ only: ['groq'] }, { candidates: [] }), []);
  });

  test('order: listed providers first in that order, the rest as the strategy plans them', () => {
    assert.deepEqual(plan({ order: ['deepseek', 'groq'] }), [
      'deepseek/m',
      'groq/m',
      'vllm/m',
      'google-vertex/europe/m',
    ]);
  });

  test('order with allow_fallbacks false: only the order providers', () => {
    assert.deepEqual(plan({ order: ['deepseek', 'groq'], allowFallbacks: false }), ['deepseek/m', 'groq/m']);
  });

  test('order keeps config order among several routes of one provider', () => {
    const second = makeRoute({ id: 'groq/m-2', provider: 'groq' });
    const ids = plan({ order: ['groq'] }, { candidates: [groq, deepseek, second] });
    assert.deepEqual(ids, ['groq/m', 'groq/m-2', 'deepseek/m']);
  });

  test('order naming no provider with allow_fallbacks false → constraint_filtered', () => {
    assertConstraintError(
      () => plan({ order: ['anthropic'], allowFallbacks: false }),
      ['allowed_providers'],
      /provider\.order \(anthropic\).*allow_fallbacks is false/,
    );
  });

  test('allow_fallbacks false without order: only the first planned route', () => {
    assert.deepEqual(plan({ allowFallbacks: false }), ['vllm/m']);
  });

  test('only / ignore filter providers; matching is case-insensitive and also by display name', () => {
    assert.deepEqual(plan({ only: ['groq', 'DeepSeek'] }), ['deepseek/m', 'groq/m']);
    assert.deepEqual(plan({ ignore: ['groq', 'vllm'] }), ['google-vertex/europe/m', 'deepseek/m']);
    const named = makeRoute({ id: 'x/m', provider: 'x', providerName: 'Fancy Cloud' });
    assert.deepEqual(plan({ only: ['fancy cloud'] }, { candidates: [groq, named] }), ['x/m']);
  });

  test('a base slug matches its variants, not a mere prefix', () => {
    assert.deepEqual(plan({ only: ['google-vertex'] }), ['google-vertex/europe/m']);
    assert.deepEqual(plan({ order: ['google-vertex'], allowFallbacks: false }), ['google-vertex/europe/m']);
    assertConstraintError(() => plan({ only: ['google'] }), ['allowed_providers'], /provider\.only/);
  });

  test('only removing every route → constraint_filtered naming the available providers', () => {
    assertConstraintError(
      () => plan({ only: ['anthropic'] }),
      ['allowed_providers'],
      /test-model.*groq, deepseek, google-vertex\/europe, vllm/,
    );
  });

  test('routes of several models (the auto waterfall) → the error names every model, not the first', () => {
    const other = makeRoute({ id: 'groq/other', modelId: 'other-model' });
    assertConstraintError(
      () => plan({ only: ['anthropic'] }, { candidates: [groq, other] }),
      ['allowed_providers'],
      /No route of models 'test-model', 'other-model' satisfies/,
    );
  });

  test('max_price is USD per million tokens, inclusive (0.000003/token passes a limit of 3)', () => {
    assert.deepEqual(plan({ maxPrice: { prompt: 3, completion: null, request: null, image: null } }), [
      'vllm/m',
      'google-vertex/europe/m',
      'deepseek/m',
      'groq/m',
    ]);
    assert.deepEqual(plan({ maxPrice: { prompt: 1, completion: 1, request: null, image: null } }), [
      'vllm/m',
      'deepseek/m',
    ]);
  });

  test('max_price.request compares the per-request price', () => {
    const perRequest = makeRoute({
      id: 'paid/m',
      pricing: { prompt: '0', completion: '0', request: '0.01' },
    });
    const ids = plan(
      { maxPrice: { prompt: null, completion: null, request: 0.005, image: null } },
      { candidates: [perRequest, deepseek] },
    );
    assert.deepEqual(ids, ['deepseek/m']);
  });

  test('max_price eliminating every route → constraint_filtered (reference §10 item 32)', () => {
    assertConstraintError(
      () =>
        plan(
          { maxPrice: { prompt: 0.0000001, completion: null, request: null, image: null } },
          { candidates: [groq, deepseek] },
        ),
      ['max_price'],
      /provider\.max_price/,
    );
  });

  test('require_parameters keeps routes supporting every requested parameter (aliases count)', () => {
    const requested = new Set(['temperature', 'tools']);
    assert.deepEqual(plan({ requireParameters: true }, { requestedParameters: requested }), ['vllm/m']);
    // Without require_parameters an unsupported parameter filters nothing (it is dropped upstream).
    assert.deepEqual(plan({}, { requestedParameters: requested }).length, 4);
    const openRouterStyle = makeRoute({ id: 'or/m', supportedParameters: new Set(['max_tokens']) });
    const ids = plan(
      { requireParameters: true },
      { candidates: [openRouterStyle], requestedParameters: new Set(['max_completion_tokens']) },
    );
    assert.deepEqual(ids, ['or/m']);
  });

  test('require_parameters with no capable route → constraint_filtered naming the parameter', () => {
    assertConstraintError(
      () => plan({ requireParameters: true }, { requestedParameters: new Set(['logit_bias']) }),
      ['require_parameters'],
      /lack logit_bias/,
    );
  });

  test('quantizations filter by the model quantization; null counts as unknown', () => {
    assert.equal(plan({ quantizations: ['fp8'] }, { quantizationOf: () => 'fp8' }).length, 4);
    assert.equal(plan({ quantizations: ['unknown'] }).length, 4);
    assertConstraintError(
      () => plan({ quantizations: ['fp8'] }, { quantizationOf: () => 'bf16' }),
      ['quantization'],
      /quantization \(bf16\)/,
    );
  });

  test('excluded_by lists every constraint that removed a route', () => {
    assertConstraintError(
      () =>
        plan(
          {
            only: ['groq', 'deepseek'],
            maxPrice: { prompt: 0.1, completion: null, request: null, image: null },
          },
          { candidates: [groq, deepseek, local] },
        ),
      ['max_price', 'allowed_providers'],
      /max_price.*only/,
    );
  });

  test('sort price: cheapest first by prompt + completion, ties in config order, no load balancing', () => {
    assert.deepEqual(plan({ sort: { by: 'price', partition: 'model' } }), [
      'vllm/m',
      'deepseek/m',
      'google-vertex/europe/m',
      'groq/m',
    ]);
  });

  test('sort throughput: highest tokens/s first, unknown last', () => {
    const context = statsBy({
      'groq/m': { ewmaTokensPerSecond: 500 },
      'deepseek/m': { ewmaTokensPerSecond: 40 },
      'vllm/m': { ewmaTokensPerSecond: 90 },
    });
    assert.deepEqual(plan({ sort: { by: 'throughput', partition: 'model' } }, { context }), [
      'groq/m',
      'vllm/m',
      'deepseek/m',
      'google-vertex/europe/m',
    ]);
  });

  test('sort latency: lowest TTFT (else total latency) first, unknown last', () => {
    const context = statsBy({
      'groq/m': { ewmaTtftMs: 300, ewmaLatencyMs: 100 },
      'deepseek/m': { ewmaLatencyMs: 200 },
      'google-vertex/europe/m': { ewmaTtftMs: 50 },
    });
    assert.deepEqual(plan({ sort: { by: 'latency', partition: 'model' } }, { context }), [
      'google-vertex/europe/m',
      'deepseek/m',
      'groq/m',
      'vllm/m',
    ]);
  });

  test('order + sort: order providers first, the rest sorted instead of strategy-planned', () => {
    assert.deepEqual(plan({ order: ['groq'], sort: { by: 'price', partition: 'model' } }), [
      'groq/m',
      'vllm/m',
      'deepseek/m',
      'google-vertex/europe/m',
    ]);
  });

  test('sort with allow_fallbacks false keeps only the best route', () => {
    assert.deepEqual(plan({ sort: { by: 'price', partition: 'model' }, allowFallbacks: false }), ['vllm/m']);
  });

  test('zero-weight routes stay off under order and sort', () => {
    const off = makeRoute({ id: 'off/m', weight: 0 });
    const candidates = [off, groq];
    assert.deepEqual(plan({ order: ['off'] }, { candidates }), ['groq/m']);
    assert.deepEqual(plan({ sort: { by: 'price', partition: 'model' } }, { candidates }), ['groq/m']);
    assert.deepEqual(plan({ only: ['off'] }, { candidates: [off] }), []);
  });
});

const messages = [{ role: 'user', content: 'hi' }];

function parse(extra: Record<string, unknown>) {
  return parseChatRequest({ model: 'm', messages, ...extra });
}

function assertInvalid(extra: Record<string, unknown>, param: string, message: RegExp): void {
  assert.throws(
    () => parse(extra),
    (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.status, 400);
      assert.equal(error.param, param);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('parseChatRequest: provider preferences', () => {
  test('no provider object and no suffix → null preferences', () => {
    const parsed = parse({});
    assert.equal(parsed.providerPreferences, null);
    assert.deepEqual(parsed.modelPreferences, [null]);
  });

  test('every field is read, with OpenRouter defaults; unknown keys are ignored', () => {
    const parsed = parse({
      provider: {
        order: ['groq', 'deepseek'],
        only: ['groq', 'deepseek', 'vllm'],
        ignore: ['together'],
        allow_fallbacks: false,
        sort: 'price',
        max_price: { prompt: 1, completion: '2.5', request: 0.01 },
        require_parameters: true,
        quantizations: ['fp8', 'bf16'],
        data_collection: 'deny',
        zdr: true,
        preferred_min_throughput: { p50: 100 },
        preferred_max_latency: 2,
        enforce_distillable_text: true,
        some_future_field: { anything: 1 },
      },
    });
    assert.deepEqual(parsed.providerPreferences, {
      order: ['groq', 'deepseek'],
      only: ['groq', 'deepseek', 'vllm'],
      ignore: ['together'],
      allowFallbacks: false,
      sort: { by: 'price', partition: 'model' },
      maxPrice: { prompt: 1, completion: 2.5, request: 0.01, image: null },
      requireParameters: true,
      quantizations: ['fp8', 'bf16'],
      dataCollection: 'deny',
    });
    assert.equal(parsed.request.provider, undefined, 'provider never reaches the upstream request');
  });

  test('provider: {} gives the defaults; empty lists mean no constraint', () => {
    assert.deepEqual(parse({ provider: {} }).providerPreferences, DEFAULT_PROVIDER_PREFERENCES);
    assert.equal(parse({ provider: { only: [] } }).providerPreferences?.only, null);
  });

  test('sort as an object with partition', () => {
    const parsed = parse({ provider: { sort: { by: 'latency', partition: 'none' } } });
    assert.deepEqual(parsed.providerPreferences?.sort, { by: 'latency', partition: 'none' });
  });

  test(':floor and :nitro are stripped and set the sort', () => {
    const floor = parse({ model: 'm:floor' });
    assert.equal(floor.requestedModel, 'm');
    assert.equal(floor.request.model, 'm');
    assert.deepEqual(floor.providerPreferences?.sort, { by: 'price', partition: 'model' });
    const nitro = parse({ model: 'm:nitro', provider: { only: ['groq'] } });
    assert.equal(nitro.requestedModel, 'm');
    assert.deepEqual(nitro.providerPreferences?.sort, { by: 'throughput', partition: 'model' });
    assert.deepEqual(nitro.providerPreferences?.only, ['groq']);
  });

  test('suffixes are parsed from the right and only known ones are stripped', () => {
    assert.equal(parse({ model: 'openai/gpt-oss-20b:free:nitro' }).requestedModel, 'openai/gpt-oss-20b:free');
    const unknown = parse({ model: 'm:online' });
    assert.equal(unknown.requestedModel, 'm:online');
    assert.equal(unknown.providerPreferences, null);
  });

  test('an explicit provider.sort wins over the suffix', () => {
    const parsed = parse({ model: 'm:floor', provider: { sort: 'latency' } });
    assert.deepEqual(parsed.providerPreferences?.sort, { by: 'latency', partition: 'model' });
  });

  test('each models[] entry carries its own suffix sort; duplicates after stripping are dropped', () => {
    const parsed = parse({
      model: 'a:nitro',
      models: ['b:floor', 'c', 'a', 'a:floor'],
      provider: { ignore: ['x'] },
    });
    assert.equal(parsed.requestedModel, 'a');
    assert.deepEqual(parsed.fallbackModels, ['b', 'c']);
    assert.deepEqual(
      parsed.modelPreferences.map((preferences) => preferences?.sort?.by ?? null),
      ['throughput', 'price', null],
    );
    assert.deepEqual(parsed.modelPreferences[2]?.ignore, ['x']);
    assert.equal(parsed.providerPreferences, parsed.modelPreferences[0]);
  });

  test('models alone: the first entry becomes the model, suffix stripped; the body array is not mutated', () => {
    const models = ['a:floor', 'b'];
    const parsed = parseChatRequest({ models, messages });
    assert.equal(parsed.requestedModel, 'a');
    assert.deepEqual(parsed.fallbackModels, ['b']);
    assert.deepEqual(models, ['a:floor', 'b']);
  });

  test('requestedParameters holds the sampling/tool parameters set (non-null)', () => {
    const parsed = parse({
      temperature: 0.2,
      max_tokens: 10,
      top_k: null,
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'auto',
      logit_bias: { '1': 2 },
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
      user: 'u',
    });
    assert.deepEqual([...parsed.requestedParameters].sort(), [
      'logit_bias',
      'max_tokens',
      'response_format',
      'structured_outputs',
      'temperature',
      'tool_choice',
      'tools',
    ]);
  });

  test('wrong types → 400 naming the param and saying what to send', () => {
    assertInvalid({ provider: 'groq' }, 'provider', /must be an object/);
    assertInvalid({ provider: { order: 'groq' } }, 'provider.order', /array of provider slugs/);
    assertInvalid({ provider: { only: [1] } }, 'provider.only', /array of provider slugs/);
    assertInvalid({ provider: { ignore: {} } }, 'provider.ignore', /array of provider slugs/);
    assertInvalid({ provider: { quantizations: 'fp8' } }, 'provider.quantizations', /array/);
    assertInvalid({ provider: { allow_fallbacks: 'no' } }, 'provider.allow_fallbacks', /true or false/);
    assertInvalid({ provider: { require_parameters: 1 } }, 'provider.require_parameters', /true or false/);
    assertInvalid({ provider: { zdr: 'yes' } }, 'provider.zdr', /true or false/);
    assertInvalid({ provider: { sort: 'cheap' } }, 'provider.sort', /"price", "throughput", "latency"/);
    assertInvalid(
      { provider: { sort: { by: 'price', partition: 'all' } } },
      'provider.sort.partition',
      /"model" or "none"/,
    );
    assertInvalid({ provider: { max_price: 5 } }, 'provider.max_price', /must be an object/);
    assertInvalid(
      { provider: { max_price: { prompt: -1 } } },
      'provider.max_price.prompt',
      /per million tokens/,
    );
    assertInvalid(
      { provider: { max_price: { request: 'lots' } } },
      'provider.max_price.request',
      /per request/,
    );
    assertInvalid(
      { provider: { data_collection: 'never' } },
      'provider.data_collection',
      /"allow" or "deny"/,
    );
    assertInvalid(
      { provider: { preferred_max_latency: 'fast' } },
      'provider.preferred_max_latency',
      /number/,
    );
  });
});

describe('parseProviderPreferences', () => {
  test('absent or null → null; an object → the same preferences parseChatRequest reports', () => {
    assert.equal(parseProviderPreferences(undefined), null);
    assert.equal(parseProviderPreferences(null), null);
    const provider = { order: ['groq'], sort: 'price', max_price: { prompt: '1.5' } };
    assert.deepEqual(parseProviderPreferences(provider), parse({ provider }).providerPreferences);
    assert.deepEqual(parseProviderPreferences({}), DEFAULT_PROVIDER_PREFERENCES);
  });
});
