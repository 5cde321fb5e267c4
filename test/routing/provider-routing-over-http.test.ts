// Black-box checks of the OpenRouter `provider` object, the `:floor`/`:nitro` suffixes, `models[]` and `auto`
// over real HTTP: three simulators (alpha, beta, gamma) serve one model, the gateway routes between them, and
// each assertion reads what the client sees (status, body, headers) and what each upstream received
// (simulator counters and last body). Reference §10 items 17, 30–33 and 44.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

type ProviderSlug = 'alpha' | 'beta' | 'gamma';
const SLUGS: readonly ProviderSlug[] = ['alpha', 'beta', 'gamma'];
/** Display names: the body's `provider`; the slug is `x-gateway-provider`. */
const NAMES: Readonly<Record<ProviderSlug, string>> = { alpha: 'Alpha', beta: 'Beta', gamma: 'Gamma' };

interface CompletionBody {
  readonly model: string;
  readonly provider: string;
  readonly choices: readonly { readonly message: { readonly content: string | null } }[];
}

interface ErrorBody {
  readonly error: {
    readonly code: number;
    readonly type: string;
    readonly message: string;
    readonly param: string | null;
    readonly metadata: Readonly<Record<string, unknown>>;
  };
}

interface Reply<Body> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
}

let simulators: Record<ProviderSlug, Simulator>;
let gateway: GatewayUnderTest;
let client: OpenAI;

const MESSAGES = [{ role: 'user' as const, content: 'Route me' }];

// Prices are USD per token (config convention): prompt 3, 2, 1 USD per million tokens; gamma, the cheapest, is
// last in config order so a price sort is visible. `test/k` on gamma is rank 1 of every route (the `auto`
// waterfall's first); `test/f` on alpha is the model made to fail; `test/tk` is the only one supporting top_k.
function modelsYaml(urls: Record<ProviderSlug, string>): string {
  return `providers:
  alpha: { kind: openai_compat, name: Alpha, base_url: "${urls.alpha}" }
  beta: { kind: openai_compat, name: Beta, base_url: "${urls.beta}" }
  gamma: { kind: openai_compat, name: Gamma, base_url: "${urls.gamma}" }
models:
  - id: test/m
    aliases: [m]
    provider_model_id: sim-m
    route:
      - provider: alpha
        rank: 2
        pricing: { prompt: "0.000003", completion: "0.000006" }
      - provider: beta
        rank: 3
        pricing: { prompt: "0.000002", completion: "0.000004" }
      - provider: gamma
        rank: 4
        pricing: { prompt: "0.000001", completion: "0.000002" }
  - id: test/k
    provider_model_id: sim-m
    route:
      - provider: gamma
        rank: 1
  - id: test/f
    provider_model_id: sim-m
    route:
      - provider: alpha
        rank: 5
  - id: test/tk
    provider_model_id: sim-m
    supported_params: [temperature, max_tokens, top_k]
    route:
      - provider: beta
        rank: 6
`;
}

// No retries (one injected fault = one failed attempt), a breaker that never opens (faults in one test must
// not cool a route for the next), and EWMAs that equal the last observation (the :nitro warm-up decides).
const ROUTING_YAML = `routing_strategy: weighted
routing_parameter:
  ewma_alpha: 1
retry: { attempts: 0 }
circuit_breaker: { failure_threshold: 1000, failure_rate: 1, min_requests: 1000 }
`;

before(async () => {
  const started = await Promise.all(
    SLUGS.map((slug, index) => startSimulator({ models: ['sim-m'], responseTokens: 8, seed: index + 1 })),
  );
  simulators = { alpha: started[0]!, beta: started[1]!, gamma: started[2]! };
  gateway = await startGateway({
    modelsYaml: modelsYaml({
      alpha: simulators.alpha.url,
      beta: simulators.beta.url,
      gamma: simulators.gamma.url,
    }),
    routingYaml: ROUTING_YAML,
  });
  client = new OpenAI({ baseURL: `${gateway.origin}/api/v1`, apiKey: 'not-needed', maxRetries: 0 });
});

afterEach(async () => {
  await Promise.all(
    SLUGS.map((slug) => fetch(`${controlOrigin(slug)}/control/faults`, { method: 'DELETE' })),
  );
});

after(async () => {
  await gateway.close();
  await Promise.all(SLUGS.map((slug) => simulators[slug].close()));
});

function controlOrigin(slug: ProviderSlug): string {
  return simulators[slug].url.replace(/\/v1$/, '');
}

/** Queues faults on one simulator: its next `count` chat requests answer `status`. */
async function injectFault(slug: ProviderSlug, status: number, count = 1): Promise<void> {
  const response = await fetch(`${controlOrigin(slug)}/control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status, count }),
  });
  assert.equal(response.status, 200);
}

function chatCounts(): Record<ProviderSlug, number> {
  return {
    alpha: simulators.alpha.stats().chatRequests,
    beta: simulators.beta.stats().chatRequests,
    gamma: simulators.gamma.stats().chatRequests,
  };
}

/** Chat requests each simulator received while `run` ran. */
async function upstreamHits(run: () => Promise<unknown>): Promise<Record<ProviderSlug, number>> {
  const before = chatCounts();
  await run();
  const now = chatCounts();
  return { alpha: now.alpha - before.alpha, beta: now.beta - before.beta, gamma: now.gamma - before.gamma };
}

async function post<Body>(body: Record<string, unknown>): Promise<Reply<Body>> {
  const response = await fetch(`${gateway.origin}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: MESSAGES, ...body }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

/** A request that must succeed; returns the body and headers. */
async function chat(body: Record<string, unknown>): Promise<Reply<CompletionBody>> {
  const reply = await post<CompletionBody | ErrorBody>(body);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply as Reply<CompletionBody>;
}

/** A request that must fail with `status`; returns the error object. */
async function chatError(body: Record<string, unknown>, status: number): Promise<ErrorBody['error']> {
  const reply = await post<ErrorBody>(body);
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error.code, status);
  return reply.body.error;
}

function assertServedBy(reply: Reply<CompletionBody>, slug: ProviderSlug, model = 'test/m'): void {
  assert.equal(reply.headers.get('x-gateway-provider'), slug);
  assert.equal(reply.body.provider, NAMES[slug]);
  assert.equal(reply.body.model, model);
  assert.equal(reply.headers.get('x-gateway-model'), model);
  assert.equal(reply.headers.get('x-gateway-route'), `${slug}/${model}`);
}

function assertConstraintFiltered(error: ErrorBody['error'], excludedBy: string): void {
  assert.equal(error.type, 'not_found');
  assert.equal(error.param, 'provider');
  assert.equal(error.metadata.reason, 'constraint_filtered');
  assert.ok(
    (error.metadata.excluded_by as string[]).includes(excludedBy),
    `excluded_by ${JSON.stringify(error.metadata.excluded_by)} should name ${excludedBy}`,
  );
}

/**
 * `extra_body`-style fields for the openai client (`provider`, `models`): spread into the params, which the
 * client sends as they are. Typed as a record so the client's types accept fields they do not know.
 */
function clientParams(extra: Record<string, unknown>): ChatCompletionCreateParamsNonStreaming {
  return { model: 'test/m', messages: MESSAGES, ...extra };
}

function servedProvider(completion: unknown): string {
  return (completion as { provider: string }).provider;
}

describe('provider.order and allow_fallbacks (reference §10 item 30)', () => {
  test('order [beta, alpha] is served by beta every time', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 5; index += 1) {
        assertServedBy(await chat({ model: 'test/m', provider: { order: ['beta', 'alpha'] } }), 'beta');
      }
    });
    assert.deepEqual(hits, { alpha: 0, beta: 5, gamma: 0 });
  });

  test('beta answering 502 falls back to alpha, the next in order', async () => {
    await injectFault('beta', 502);
    const reply = await chat({ model: 'test/m', provider: { order: ['beta', 'alpha'] } });
    assertServedBy(reply, 'alpha');
    assert.equal(reply.headers.get('x-gateway-attempts'), '2');
  });

  test('allow_fallbacks false with beta failing returns the error, not alpha or gamma', async () => {
    await injectFault('beta', 502);
    let error: ErrorBody['error'] | undefined;
    const hits = await upstreamHits(async () => {
      error = await chatError(
        { model: 'test/m', provider: { order: ['beta'], allow_fallbacks: false } },
        502,
      );
    });
    assert.deepEqual(hits, { alpha: 0, beta: 1, gamma: 0 });
    const attempts = error?.metadata.attempts as { provider: string }[];
    assert.deepEqual(
      attempts.map((attempt) => attempt.provider),
      ['beta'],
    );
  });

  test('openai client: provider.order in the params is honoured', async () => {
    const { data, response } = await client.chat.completions
      .create(clientParams({ provider: { order: ['beta', 'alpha'] } }))
      .withResponse();
    assert.equal(servedProvider(data), 'Beta');
    assert.equal(response.headers.get('x-gateway-provider'), 'beta');
    assert.equal(data.model, 'test/m');
  });

  test('openai client: beta failing falls back to alpha; allow_fallbacks false raises the 502', async () => {
    await injectFault('beta', 502);
    const { data, response } = await client.chat.completions
      .create(clientParams({ provider: { order: ['beta', 'alpha'] } }))
      .withResponse();
    assert.equal(servedProvider(data), 'Alpha');
    assert.equal(response.headers.get('x-gateway-attempts'), '2');

    await injectFault('beta', 502);
    await assert.rejects(
      client.chat.completions.create(clientParams({ provider: { order: ['beta'], allow_fallbacks: false } })),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 502);
        return true;
      },
    );
  });

  test('stream: order [beta, alpha] serves the SSE from beta; a 502 before the first token falls back to alpha', async () => {
    const streamFrom = async (): Promise<Response> => {
      const response = await fetch(`${gateway.origin}/api/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'test/m',
          messages: MESSAGES,
          stream: true,
          provider: { order: ['beta', 'alpha'] },
        }),
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const text = await response.text();
      assert.match(text, /data: \[DONE\]\s*$/);
      assert.match(text, /"provider":"(Alpha|Beta)"/);
      return response;
    };
    const first = await streamFrom();
    assert.equal(first.headers.get('x-gateway-provider'), 'beta');
    assert.equal(first.headers.get('x-gateway-model'), 'test/m');

    await injectFault('beta', 502);
    const fallback = await streamFrom();
    assert.equal(fallback.headers.get('x-gateway-provider'), 'alpha');
    assert.equal(fallback.headers.get('x-gateway-attempts'), '2');
  });
});

describe('provider.only and provider.ignore (reference §10 item 31)', () => {
  test('only [gamma] never reaches alpha or beta', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 6; index += 1) {
        assertServedBy(await chat({ model: 'test/m', provider: { only: ['gamma'] } }), 'gamma');
      }
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 6 });
  });

  test('ignore [alpha] never reaches alpha', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 9; index += 1) {
        const reply = await chat({ model: 'test/m', provider: { ignore: ['alpha'] } });
        assert.notEqual(reply.headers.get('x-gateway-provider'), 'alpha');
      }
    });
    assert.equal(hits.alpha, 0);
    assert.equal(hits.beta + hits.gamma, 9);
  });

  test('only naming no provider of the model → 404 constraint_filtered, no upstream reached', async () => {
    const hits = await upstreamHits(async () => {
      const error = await chatError({ model: 'test/m', provider: { only: ['delta'] } }, 404);
      assertConstraintFiltered(error, 'allowed_providers');
      assert.match(error.message, /alpha, beta, gamma/);
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 0 });
  });
});

describe('provider.sort and the :floor / :nitro variants (reference §10 item 33)', () => {
  test('sort "price" sends all 20 requests to the cheapest route (gamma)', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 20; index += 1) {
        assertServedBy(await chat({ model: 'test/m', provider: { sort: 'price' } }), 'gamma');
      }
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 20 });
  });

  test('model "test/m:floor" is a price sort: 20 of 20 to gamma, response model without the suffix', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 20; index += 1)
        assertServedBy(await chat({ model: 'test/m:floor' }), 'gamma');
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 20 });
  });

  test('model "m:nitro" (alias) is a throughput sort: served by the route with the best tokens/s', async () => {
    // Warm-up: one observation per route (ewma_alpha 1 keeps only the last). Alpha decodes at full speed;
    // beta and gamma are slowed to 40 tokens/s for this one request, so alpha is the fastest by far, and
    // also the most expensive, so a price sort would not pick it.
    const slow = { tokens: 4, tokens_per_second: 40 };
    assertServedBy(await chat({ model: 'test/m', provider: { only: ['alpha'] } }), 'alpha');
    assertServedBy(await chat({ model: 'test/m', provider: { only: ['beta'] }, sim: slow }), 'beta');
    assertServedBy(await chat({ model: 'test/m', provider: { only: ['gamma'] }, sim: slow }), 'gamma');
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 5; index += 1) assertServedBy(await chat({ model: 'm:nitro' }), 'alpha');
    });
    assert.deepEqual(hits, { alpha: 5, beta: 0, gamma: 0 });
  });
});

describe('provider.max_price in USD per million tokens (reference §10 item 32)', () => {
  test('a limit below every route → 404 constraint_filtered, not a silent success', async () => {
    const hits = await upstreamHits(async () => {
      const error = await chatError({ model: 'test/m', provider: { max_price: { prompt: 0.5 } } }, 404);
      assertConstraintFiltered(error, 'max_price');
      assert.equal(error.metadata.model, 'test/m');
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 0 });
  });

  test('a limit of 1 (inclusive) keeps only gamma (1 USD per million prompt tokens)', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 5; index += 1) {
        assertServedBy(await chat({ model: 'test/m', provider: { max_price: { prompt: 1 } } }), 'gamma');
      }
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 5 });
  });
});

describe('provider.require_parameters (reference §10 item 17)', () => {
  test('without it an unsupported parameter is dropped, the request is served', async () => {
    const reply = await chat({ model: 'test/m', provider: { only: ['gamma'] }, top_k: 5, temperature: 0.5 });
    assertServedBy(reply, 'gamma');
    const forwarded = simulators.gamma.stats().lastRequestBody as Record<string, unknown>;
    assert.equal(forwarded.top_k, undefined, 'top_k is not in test/m supported_parameters');
    assert.equal(forwarded.temperature, 0.5);
    assert.equal(forwarded.model, 'sim-m');
    assert.equal(forwarded.provider, undefined, 'the provider object is stripped');
  });

  test('with it, only the route supporting the parameter serves (auto over every route)', async () => {
    const reply = await chat({ model: 'auto', provider: { require_parameters: true }, top_k: 5 });
    assertServedBy(reply, 'beta', 'test/tk');
    assert.equal((simulators.beta.stats().lastRequestBody as Record<string, unknown>).top_k, 5);
  });

  test('with it and a parameter no route supports → 404 constraint_filtered naming the parameter', async () => {
    const hits = await upstreamHits(async () => {
      const error = await chatError(
        { model: 'test/m', provider: { require_parameters: true }, top_k: 5 },
        404,
      );
      assertConstraintFiltered(error, 'require_parameters');
      assert.match(error.message, /top_k/);
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 0 });
  });
});

describe('models[] fallback and the auto model', () => {
  test('the first model failing (502) → served by the next model in models[]', async () => {
    await injectFault('alpha', 502);
    const reply = await chat({ model: 'test/f', models: ['test/k'] });
    assertServedBy(reply, 'gamma', 'test/k');
    assert.equal(reply.headers.get('x-gateway-attempts'), '2');
  });

  test('openai client: models[] alone (model from the list) falls back the same way', async () => {
    await injectFault('alpha', 502);
    const { data, response } = await client.chat.completions
      .create(clientParams({ model: undefined, models: ['test/f', 'test/k'] }))
      .withResponse();
    assert.equal(data.model, 'test/k');
    assert.equal(servedProvider(data), 'Gamma');
    assert.equal(response.headers.get('x-gateway-model'), 'test/k');
  });

  test('an unknown id in models[] is skipped like any failing model; alone it is a 404 naming it', async () => {
    const reply = await chat({ model: 'no-such/model', models: ['test/k'] });
    assertServedBy(reply, 'gamma', 'test/k');
    const error = await chatError(
      { model: 'test/k', models: ['no-such/model'], provider: { only: ['alpha'] } },
      404,
    );
    assert.match(error.message, /test\/k|no-such/);
    const alone = await chatError({ model: 'no-such/model' }, 404);
    assert.match(alone.message, /'no-such\/model' is not served/);
  });

  test('model "auto" is served by the rank-1 route across models, named by its concrete model id', async () => {
    const hits = await upstreamHits(async () => {
      for (let index = 0; index < 3; index += 1)
        assertServedBy(await chat({ model: 'auto' }), 'gamma', 'test/k');
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 3 });
  });
});

describe('invalid provider preferences', () => {
  test('wrong types → 400 naming the param', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ provider: { order: 'beta' } }, 'provider.order'],
      [{ provider: { only: [1] } }, 'provider.only'],
      [{ provider: { allow_fallbacks: 'no' } }, 'provider.allow_fallbacks'],
      [{ provider: { sort: 'cheapest' } }, 'provider.sort'],
      [{ provider: { max_price: { prompt: 'cheap' } } }, 'provider.max_price.prompt'],
      [{ provider: 'beta' }, 'provider'],
    ];
    const hits = await upstreamHits(async () => {
      for (const [extra, param] of cases) {
        const error = await chatError({ model: 'test/m', ...extra }, 400);
        assert.equal(error.param, param);
        assert.equal(error.type, 'invalid_request');
        assert.ok(error.message.includes(`'${param}'`), error.message);
      }
    });
    assert.deepEqual(hits, { alpha: 0, beta: 0, gamma: 0 });
  });
});
