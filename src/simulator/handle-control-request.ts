import type { IncomingMessage, ServerResponse } from 'node:http';
import { mapHealthStateToBody, parseHealthStateBody } from './health-state.js';
import { readRequestBody } from './read-request-body.js';
import { sendJson } from './send-json.js';
import { resetStats, snapshotStats, type SimulatorContext } from './simulator-context.js';

/** Returned by `readJsonBody` when it has already answered 413/400. */
const invalidBody = Symbol('invalid body');

/**
 * The `/control/*` endpoints (never behind `apiKey`, never counted in stats):
 * `POST /control/faults` appends faults, `GET` lists them, `DELETE` clears them;
 * `POST /control/health` `{"status": 503, "also_chat"?: true}` sets what `GET /health` answers (and
 * whether chat requests fail with it), `GET` shows it; `GET /control/stats` returns the stats;
 * `POST /control/reset` zeroes them, restores the health status and returns the fresh stats.
 */
export async function handleControlRequest(
  context: SimulatorContext,
  method: string,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (path === '/control/faults') {
    if (method === 'POST') {
      const body = await readJsonBody(request, response, 'fault');
      if (body === invalidBody) return;
      const problem = context.faults.add(body);
      if (problem !== undefined) return sendJson(response, 400, JSON.stringify({ error: problem }));
      return sendJson(response, 200, JSON.stringify({ faults: context.faults.list() }));
    }
    if (method === 'DELETE') context.faults.clear();
    if (method === 'GET' || method === 'DELETE') {
      return sendJson(response, 200, JSON.stringify({ faults: context.faults.list() }));
    }
  } else if (path === '/control/health') {
    if (method === 'POST') {
      const body = await readJsonBody(request, response, 'health');
      if (body === invalidBody) return;
      const health = parseHealthStateBody(body);
      if (typeof health === 'string') return sendJson(response, 400, JSON.stringify({ error: health }));
      context.health = health;
    }
    if (method === 'GET' || method === 'POST') {
      return sendJson(response, 200, JSON.stringify(mapHealthStateToBody(context.health)));
    }
  } else if (path === '/control/stats' && method === 'GET') {
    return sendJson(response, 200, JSON.stringify(snapshotStats(context)));
  } else if (path === '/control/reset' && method === 'POST') {
    resetStats(context);
    return sendJson(response, 200, JSON.stringify(snapshotStats(context)));
  }
  sendJson(response, 404, JSON.stringify({ detail: 'Not Found' }));
}

/** Reads and parses a JSON control body; on failure answers 413/400 itself and returns `invalidBody`. */
async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
  what: string,
): Promise<unknown> {
  const read = await readRequestBody(request);
  if (!read.ok) {
    sendJson(response, 413, JSON.stringify({ error: `${what} body too large` }));
    return invalidBody;
  }
  try {
    return JSON.parse(read.text) as unknown;
  } catch {
    sendJson(response, 400, JSON.stringify({ error: `${what} body must be JSON` }));
    return invalidBody;
  }
}
