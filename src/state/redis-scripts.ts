import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TOTAL_TTL_MS } from './counter-math.js';

/**
 * Registers the calling gateway in the instances sorted set (score = Redis clock in ms, so gateways on
 * different hosts agree on who is alive), forgets gateways silent for longer than the instance TTL, and
 * leaves the count of live gateways in `instances`. Expects `KEYS[1]` = the set, `ARGV[1]` = this gateway's
 * id, `ARGV[2]` = instance TTL in ms. The only use of the Redis clock: counters use the gateway's clock.
 */
const REGISTER_INSTANCE = `
local self = ARGV[1]
local instanceTtl = tonumber(ARGV[2])
local time = redis.call('TIME')
local clock = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], clock, self)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', clock - instanceTtl)
redis.call('PEXPIRE', KEYS[1], instanceTtl * 4)
local instances = redis.call('ZCARD', KEYS[1])
`;

/** Heartbeat: register, answer the number of live gateways. */
export const HEARTBEAT = `${REGISTER_INSTANCE}
return instances
`;

/**
 * The whole reserve, atomically (the Lua twin of MemoryStore.reserve and counter-math's slidingMinute).
 * KEYS[1]: instances set; KEYS[2..]: one counter per charge. ARGV[1..6]: gateway id, instance TTL ms, now ms
 * (gateway clock), current 1 s bucket, ms to the next UTC midnight, concurrency safety TTL ms; then per charge:
 * window, limit, amount. Minute counters are hashes {bucket → amount}; day counters are strings whose key
 * holds the day number; totals are strings (kept `TOTAL_TTL_MS` after their last change); concurrency counters are hashes {gateway id → slots held}, where slots of a gateway
 * that left the instances set are dropped (a crashed gateway gives its slots back within the instance TTL).
 * Answers {1, instances, remaining, resetMs, ...} or {0, instances, index of the refusing charge, waitMs}.
 */
export const RESERVE = `${REGISTER_INSTANCE}
local now = tonumber(ARGV[3])
local current = tonumber(ARGV[4])
local nextDayMs = tonumber(ARGV[5])
local concurrentTtl = tonumber(ARGV[6])
local standings = {}
for index = 1, #KEYS - 1 do
  local key = KEYS[index + 1]
  local base = 6 + (index - 1) * 3
  local window = ARGV[base + 1]
  local limit = tonumber(ARGV[base + 2])
  local amount = tonumber(ARGV[base + 3])
  local used = 0
  local waitMs = 0
  local resetMs = 0
  if window == 'minute' then
    local fields = redis.call('HGETALL', key)
    local live = {}
    for field = 1, #fields, 2 do
      local bucket = tonumber(fields[field])
      if bucket <= current - 60 then
        redis.call('HDEL', key, fields[field])
      elseif bucket <= current then
        live[#live + 1] = { bucket, tonumber(fields[field + 1]) }
      end
    end
    table.sort(live, function(left, right) return left[1] < right[1] end)
    for _, entry in ipairs(live) do used = used + entry[2] end
    resetMs = 60000
    if #live > 0 then resetMs = math.max(1, (live[1][1] + 60) * 1000 - now) end
    if used + amount > limit then
      -- Free buckets oldest first until the request fits; more than the limit alone waits a whole minute.
      waitMs = 60000
      local freed = 0
      for _, entry in ipairs(live) do
        freed = freed + entry[2]
        if used - freed + amount <= limit then
          waitMs = math.max(1, (entry[1] + 60) * 1000 - now)
          break
        end
      end
    end
  elseif window == 'day' then
    used = tonumber(redis.call('GET', key) or '0')
    resetMs = nextDayMs
    if used + amount > limit then waitMs = nextDayMs end
  elseif window == 'total' then
    used = tonumber(redis.call('GET', key) or '0')
    if used + amount > limit then waitMs = 1000 end
  else
    local fields = redis.call('HGETALL', key)
    for field = 1, #fields, 2 do
      local owner = fields[field]
      if owner == self or redis.call('ZSCORE', KEYS[1], owner) then
        used = used + tonumber(fields[field + 1])
      else
        redis.call('HDEL', key, owner)
      end
    end
    -- A slot frees when a request ends; there is no time to promise, so a short poll interval.
    if used + amount > limit then waitMs = 1000 end
  end
  if waitMs > 0 then return { 0, instances, index, tostring(waitMs) } end
  standings[#standings + 1] = tostring(limit - used - amount)
  standings[#standings + 1] = tostring(resetMs)
end
for index = 1, #KEYS - 1 do
  local key = KEYS[index + 1]
  local base = 6 + (index - 1) * 3
  local window = ARGV[base + 1]
  local amount = ARGV[base + 3]
  if window == 'minute' then
    redis.call('HINCRBYFLOAT', key, ARGV[4], amount)
    redis.call('PEXPIRE', key, 61000)
  elseif window == 'day' then
    redis.call('INCRBYFLOAT', key, amount)
    redis.call('PEXPIRE', key, nextDayMs + 86400000)
  elseif window == 'total' then
    redis.call('INCRBYFLOAT', key, amount)
    redis.call('PEXPIRE', key, ${TOTAL_TTL_MS})
  else
    redis.call('HINCRBYFLOAT', key, self, amount)
    redis.call('PEXPIRE', key, concurrentTtl)
  end
end
return { 1, instances, unpack(standings) }
`;

/**
 * Adjustments, atomically. KEYS: counters; ARGV per key: window, hash field (minute: bucket, concurrent:
 * gateway id, day: unused), amount, TTL ms. No counter or minute bucket goes below 0.
 */
export const ADJUST = `
for index = 1, #KEYS do
  local key = KEYS[index]
  local base = (index - 1) * 4
  local window = ARGV[base + 1]
  local field = ARGV[base + 2]
  local amount = ARGV[base + 3]
  if window == 'day' or window == 'total' then
    if tonumber(redis.call('INCRBYFLOAT', key, amount)) < 0 then redis.call('SET', key, '0') end
  else
    local value = tonumber(redis.call('HINCRBYFLOAT', key, field, amount))
    if window == 'concurrent' and value <= 0 then
      redis.call('HDEL', key, field)
    elseif value < 0 then
      -- Only a settle of a charge Redis never saw (made locally during an outage) gets here.
      redis.call('HSET', key, field, '0')
    end
  end
  redis.call('PEXPIRE', key, ARGV[base + 4])
end
return #KEYS
`;

/** Keeps the later `until`: KEYS[1] the key, ARGV[1] until (ms), ARGV[2] TTL (ms). */
export const SET_UNTIL = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** A Lua script run by hash (EVALSHA), loaded again with EVAL when Redis does not know it (e.g. after a restart). */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

/** A script reply as numbers; throws on anything else (which the store treats like an outage). */
export function toNumbers(reply: unknown): number[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis script reply: ${typeof reply}`);
  return reply.map((item: unknown) => {
    const value = typeof item === 'number' ? item : Number(item);
    if (!Number.isFinite(value)) throw new Error('unexpected Redis script reply item');
    return value;
  });
}
