import { asRecord } from './as-record.js';
import { isHttpStatus } from './simulator-options.js';

/** What `GET /health` answers, and whether chat requests fail with it too (a dead worker). */
export interface HealthState {
  /** Status of `GET /health` (200 = healthy, vLLM's empty-body answer). */
  status: number;
  /** When true and `status` is not 2xx, chat requests answer `status` as well. */
  alsoChat: boolean;
}

/** The wire (snake_case) form of a health state, as `POST /control/health` takes it and returns it. */
export interface HealthStateBody {
  status: number;
  also_chat: boolean;
}

/** Converts the state to its wire form. */
export function mapHealthStateToBody(state: HealthState): HealthStateBody {
  return { status: state.status, also_chat: state.alsoChat };
}

/**
 * Parses a `POST /control/health` body: `{"status": 503}` or `{"status": 503, "also_chat": true}`
 * (`also_chat` defaults to false). Returns an error message for anything else.
 */
export function parseHealthStateBody(body: unknown): HealthState | string {
  const record = asRecord(body);
  if (record === undefined) return 'the health body must be a JSON object like {"status": 503}';
  for (const key of Object.keys(record)) {
    if (key !== 'status' && key !== 'also_chat') {
      return `unknown health field "${key}"; expected status, also_chat`;
    }
  }
  if (typeof record.status !== 'number' || !isHttpStatus(record.status))
    return 'status must be an HTTP status code 100..599';
  if (record.also_chat !== undefined && typeof record.also_chat !== 'boolean') {
    return 'also_chat must be a boolean';
  }
  return { status: record.status, alsoChat: record.also_chat === true };
}

/** True when chat requests must be refused with the health status. */
export function isChatRefused(state: HealthState): boolean {
  return state.alsoChat && (state.status < 200 || state.status > 299);
}
