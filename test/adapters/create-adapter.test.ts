import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdapter } from '../../src/adapters/create-adapter.js';
import { ADAPTER_KINDS } from '../../src/config/provider-kinds.js';
import { createTestDependencies, createTestRoute } from './openai-compatible/fake-upstream.js';

test('every configured kind gets an adapter bound to its route', async () => {
  const { dependencies, close } = createTestDependencies();
  for (const kind of ADAPTER_KINDS) {
    const route = createTestRoute('http://127.0.0.1:1/v1', { kind, id: `${kind}/model` });
    const adapter = createAdapter(route, dependencies);
    assert.equal(adapter.id, `${kind}/model`);
    assert.equal(adapter.route, route);
    assert.equal(typeof adapter.complete, 'function');
    assert.equal(typeof adapter.stream, 'function');
    assert.equal(typeof adapter.listModels, 'function');
  }
  await close();
});
