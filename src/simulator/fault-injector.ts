import { asRecord } from './as-record.js';

/** One injected misbehaviour for chat requests, in the wire (snake_case) form of `POST /control/faults`. */
export interface FaultSpec {
  /** Answer this HTTP status with an OpenAI-style error body. */
  status?: number;
  /** With `status` 429 (or any), send `Retry-After: <seconds>`. */
  retry_after_s?: number;
  /** Error message for `status` answers. */
  message?: string;
  /** Extra delay in ms before anything (headers included) is sent; combines with the other fields. */
  delay_ms?: number;
  /** Destroy the socket after this many SSE events (non-stream: without answering). */
  drop_after_chunks?: number;
  /** Never answer; the request stays open until the client gives up. */
  hang?: boolean;
  /** Answer 200 with a body that is not valid JSON (streams: an unparseable `data:` event). */
  invalid_json?: boolean;
  /** How many chat requests this applies to; absent = every request until `DELETE /control/faults`. */
  count?: number;
}

/** A queue of faults; each chat request consumes one use of the first fault. */
export interface FaultInjector {
  /** Appends faults (one object or an array); returns an error message for a malformed body. */
  add(body: unknown): string | undefined;
  clear(): void;
  /** The fault for the next chat request, if any, consuming one of its uses. */
  take(): FaultSpec | undefined;
  /** Pending faults with their remaining counts. */
  list(): FaultSpec[];
}

const numberFields = ['status', 'retry_after_s', 'delay_ms', 'drop_after_chunks', 'count'] as const;
const booleanFields = ['hang', 'invalid_json'] as const;
const effectFields = ['status', 'delay_ms', 'drop_after_chunks', 'hang', 'invalid_json'] as const;

/** Creates an empty fault queue. */
export function createFaultInjector(): FaultInjector {
  let faults: FaultSpec[] = [];
  return {
    add(body) {
      const items = Array.isArray(body) ? (body as unknown[]) : [body];
      const parsed: FaultSpec[] = [];
      for (const item of items) {
        const fault = parseFault(item);
        if (typeof fault === 'string') return fault;
        parsed.push(fault);
      }
      faults.push(...parsed);
      return undefined;
    },
    clear() {
      faults = [];
    },
    take() {
      const fault = faults[0];
      if (fault?.count === undefined) return fault;
      fault.count -= 1;
      if (fault.count <= 0) faults.shift();
      return fault;
    },
    list: () => faults.map((fault) => ({ ...fault })),
  };
}

function parseFault(item: unknown): FaultSpec | string {
  const record = asRecord(item);
  if (record === undefined) return 'a fault must be a JSON object';
  const fault: FaultSpec = {};
  for (const [key, value] of Object.entries(record)) {
    if ((numberFields as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        return `${key} must be a number >= 0`;
      fault[key as (typeof numberFields)[number]] = value;
    } else if ((booleanFields as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') return `${key} must be a boolean`;
      fault[key as (typeof booleanFields)[number]] = value;
    } else if (key === 'message') {
      if (typeof value !== 'string') return 'message must be a string';
      fault.message = value;
    } else {
      return `unknown fault field "${key}"; expected one of ${[...numberFields, ...booleanFields, 'message'].join(', ')}`;
    }
  }
  if (
    fault.status !== undefined &&
    !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599)
  ) {
    return 'status must be an HTTP status code 100..599';
  }
  if (fault.count !== undefined && !(Number.isInteger(fault.count) && fault.count >= 1)) {
    return 'count must be an integer >= 1 (omit it for "until cleared")';
  }
  if (!effectFields.some((field) => fault[field] !== undefined && fault[field] !== false)) {
    return `a fault needs one of ${effectFields.join(', ')}`;
  }
  return fault;
}
