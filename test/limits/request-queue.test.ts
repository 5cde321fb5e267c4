import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GatewayError } from '../../src/errors/index.js';
import { createRequestQueue, type ReleaseSlot } from '../../src/limits/request-queue.js';

const never = new AbortController().signal;

async function slot(value: Promise<ReleaseSlot> | ReleaseSlot): Promise<ReleaseSlot> {
  return typeof value === 'function' ? value : await value;
}

describe('request queue', () => {
  test('free slots are granted at once, without a promise', () => {
    const queue = createRequestQueue({ maxConcurrent: 2, maxWaiting: 1, timeoutMs: 1000 });
    assert.equal(typeof queue.acquire(never), 'function');
    assert.equal(typeof queue.acquire(never), 'function');
    assert.equal(queue.running, 2);
  });

  test('waiters are admitted in FIFO order as slots free; a slot is never double-released', async () => {
    const queue = createRequestQueue({ maxConcurrent: 1, maxWaiting: 5, timeoutMs: 1000 });
    const first = await slot(queue.acquire(never));
    const order: string[] = [];
    const second = Promise.resolve(queue.acquire(never)).then((release) => {
      order.push('second');
      return release;
    });
    const third = Promise.resolve(queue.acquire(never)).then((release) => {
      order.push('third');
      return release;
    });
    assert.equal(queue.waiting, 2);
    first();
    first();
    const releaseSecond = await second;
    assert.deepEqual(order, ['second']);
    assert.equal(queue.running, 1);
    releaseSecond();
    (await third)();
    assert.deepEqual(order, ['second', 'third']);
    assert.equal(queue.running, 0);
  });

  test('a full queue refuses at once: 429 gateway_overloaded, reason queue_full, Retry-After', async () => {
    const queue = createRequestQueue({ maxConcurrent: 1, maxWaiting: 1, timeoutMs: 1000 });
    await slot(queue.acquire(never));
    const waiter = new AbortController();
    const waiting = Promise.resolve(queue.acquire(waiter.signal)).catch(() => undefined);
    await assert.rejects(Promise.resolve(queue.acquire(never)), (error: GatewayError) => {
      assert.equal(error.status, 429);
      assert.equal(error.code, 'gateway_overloaded');
      assert.equal(error.metadata.reason, 'queue_full');
      assert.equal(error.retryAfterMs, 1000);
      return true;
    });
    waiter.abort(new Error('done'));
    await waiting;
  });

  test('a waiter gives up after the timeout with reason request_queue_timeout and leaves the queue', async () => {
    const queue = createRequestQueue({ maxConcurrent: 1, maxWaiting: 5, timeoutMs: 30 });
    await slot(queue.acquire(never));
    await assert.rejects(
      Promise.resolve(queue.acquire(never)),
      (error: GatewayError) => error.status === 429 && error.metadata.reason === 'request_queue_timeout',
    );
    assert.equal(queue.waiting, 0);
  });

  test('a client that disconnects while waiting leaves the queue; the next waiter gets the slot', async () => {
    const queue = createRequestQueue({ maxConcurrent: 1, maxWaiting: 5, timeoutMs: 1000 });
    const held = await slot(queue.acquire(never));
    const leaving = new AbortController();
    const gone = Promise.resolve(queue.acquire(leaving.signal));
    const staying = Promise.resolve(queue.acquire(never));
    leaving.abort(new Error('client left'));
    await assert.rejects(gone, /client left/);
    assert.equal(queue.waiting, 1);
    held();
    (await staying)();
    assert.equal(queue.running, 0);
  });

  test('each admitted request reports how long it waited: 0 with a free slot, the queue time otherwise', async () => {
    let clock = 1000;
    const waits: number[] = [];
    const queue = createRequestQueue({
      maxConcurrent: 1,
      maxWaiting: 2,
      timeoutMs: 60_000,
      now: () => clock,
      onAdmit: (waitedMs) => waits.push(waitedMs),
    });
    const first = await slot(queue.acquire(never));
    const second = queue.acquire(never);
    clock += 250;
    first();
    (await slot(second))();
    assert.deepEqual(waits, [0, 250]);
  });
});
