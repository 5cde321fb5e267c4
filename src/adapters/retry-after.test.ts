import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDurationMs, parseRetryAfterMs } from './retry-after.js';

const NOW_MS = Date.parse('2026-01-01T00:00:00Z');

test('Retry-After in seconds, fractional seconds and as an HTTP date', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after': '2' }, NOW_MS), 2000);
  assert.equal(parseRetryAfterMs({ 'retry-after': '0.5' }, NOW_MS), 500);
  assert.equal(parseRetryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, NOW_MS), 30_000);
  assert.equal(parseRetryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, NOW_MS), 0);
});

test('retry-after-ms wins over retry-after', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after-ms': '1234', 'retry-after': '9' }, NOW_MS), 1234);
});

test('x-ratelimit-reset-* durations', () => {
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset-requests': '2m59s' }, NOW_MS), 179_000);
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset-tokens': '7.66s' }, NOW_MS), 7660);
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset-tokens': '120ms' }, NOW_MS), 120);
});

test('the exhausted limit decides between requests and tokens, else the longer wait', () => {
  const headers = { 'x-ratelimit-reset-requests': '2m59.56s', 'x-ratelimit-reset-tokens': '7.66s' };
  assert.equal(parseRetryAfterMs({ ...headers, 'x-ratelimit-remaining-tokens': '0' }, NOW_MS), 7660);
  assert.equal(parseRetryAfterMs({ ...headers, 'x-ratelimit-remaining-requests': '0' }, NOW_MS), 179_560);
  assert.equal(parseRetryAfterMs(headers, NOW_MS), 179_560);
});

test('x-ratelimit-reset as seconds, epoch seconds and epoch milliseconds', () => {
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset': '30' }, NOW_MS), 30_000);
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset': String(NOW_MS / 1000 + 12) }, NOW_MS), 12_000);
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset': String(NOW_MS + 4500) }, NOW_MS), 4500);
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset': '1m' }, NOW_MS), 60_000);
});

test('nothing usable gives null', () => {
  assert.equal(parseRetryAfterMs({}, NOW_MS), null);
  assert.equal(parseRetryAfterMs({ 'retry-after': 'soon' }, NOW_MS), null);
  assert.equal(parseRetryAfterMs({ 'x-ratelimit-reset-requests': 'later' }, NOW_MS), null);
});

test('array header values use the first', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after': ['3', '4'] }, NOW_MS), 3000);
});

test('parseDurationMs', () => {
  assert.equal(parseDurationMs('1h2m3.5s'), 3_723_500);
  assert.equal(parseDurationMs('6m0s'), 360_000);
  assert.equal(parseDurationMs('45'), 45_000);
  assert.equal(parseDurationMs('0s'), 0);
  assert.equal(parseDurationMs(''), null);
  assert.equal(parseDurationMs('ms'), null);
  assert.equal(parseDurationMs('-5s'), null);
});
