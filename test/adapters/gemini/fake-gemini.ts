import { readFileSync } from 'node:fs';
import type { RouteTarget } from '../../../src/spec/index.js';
import { createTestRoute } from '../openai-compatible/fake-upstream.js';

export {
  collectParts,
  contentOf,
  createTestDependencies,
  sendJson,
  sendSse,
  startFakeUpstream,
  type CapturedRequest,
  type FakeUpstream,
} from '../openai-compatible/fake-upstream.js';

const FIXTURES = new URL('../../../src/adapters/gemini/fixtures/', import.meta.url);

/** A recorded Gemini wire-format file from `src/adapters/gemini/fixtures/`. */
export function readGeminiFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** The fake upstream's base URL as a Gemini route names it: `http://127.0.0.1:PORT/v1beta`. */
export function geminiBaseUrl(fakeBaseUrl: string): string {
  return fakeBaseUrl.replace(/\/v1$/, '/v1beta');
}

/** A `kind: gemini` route for tests, key `test-gemini-key`, model `gemini-2.5-flash`. */
export function createGeminiRoute(fakeBaseUrl: string, overrides: Partial<RouteTarget> = {}): RouteTarget {
  return createTestRoute(geminiBaseUrl(fakeBaseUrl), {
    id: 'google-ai-studio/gemini-2.5-flash',
    kind: 'gemini',
    provider: 'google-ai-studio',
    providerName: 'Google AI Studio',
    apiKey: 'test-gemini-key',
    providerModelId: 'gemini-2.5-flash',
    isLocal: false,
    ...overrides,
  });
}
