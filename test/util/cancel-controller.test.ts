import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelController } from '../../src/util/cancel-controller.js';

describe('CancelController', () => {
  test('aborts once: the reason given, listeners in order, each called once', () => {
    const controller = new CancelController();
    const calls: string[] = [];
    controller.signal.addEventListener('abort', () => calls.push('a'));
    controller.signal.addEventListener('abort', () => calls.push('b'), { once: true });
    assert.equal(controller.signal.aborted, false);
    assert.equal(controller.signal.reason, undefined);
    const reason = new Error('client left');
    controller.abort(reason);
    controller.abort(new Error('later'));
    assert.equal(controller.signal.aborted, true);
    assert.equal(controller.signal.reason, reason);
    assert.deepEqual(calls, ['a', 'b']);
  });

  test('a removed listener is not called; one added after the abort is not called either', () => {
    const controller = new CancelController();
    let removed = 0;
    let late = 0;
    const listener = () => (removed += 1);
    controller.signal.addEventListener('abort', listener);
    controller.signal.removeEventListener('abort', listener);
    controller.signal.removeEventListener('abort', () => undefined);
    controller.abort(new Error('x'));
    controller.signal.addEventListener('abort', () => (late += 1));
    assert.equal(removed, 0);
    assert.equal(late, 0);
  });

  test('without a reason it aborts with an AbortError, as AbortController does', () => {
    const controller = new CancelController();
    controller.abort();
    const reason = controller.signal.reason;
    assert.ok(reason instanceof DOMException);
    assert.equal(reason.name, 'AbortError');
  });

  test('a listener that throws does not keep the others from running', async () => {
    const controller = new CancelController();
    let ran = false;
    const uncaught: unknown[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback) => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    };
    try {
      controller.signal.addEventListener('abort', () => {
        throw new Error('listener bug');
      });
      controller.signal.addEventListener('abort', () => (ran = true));
      controller.abort(new Error('x'));
    } finally {
      globalThis.queueMicrotask = original;
    }
    assert.equal(ran, true);
    assert.equal((uncaught[0] as Error).message, 'listener bug', 'the error is reported, not swallowed');
  });
});
