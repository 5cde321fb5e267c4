import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody } from './read-request-body.js';
import { sendJson } from './send-json.js';
import { resetStats, snapshotStats, type SimulatorContext } from './simulator-context.js';

/**
 * The `/control/*` endpoints (never behind `apiKey`, never counted in stats):
 * `POST /control/faults` appends faults, `GET` lists them, `DELETE` clears them;
 * `GET /control/stats` returns the stats; `POST /control/reset` zeroes them and returns the fresh stats.
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
      const read = await readRequestBody(request);
      if (!read.ok) return sendJson(response, 413, JSON.stringify({ error: 'fault body too large' }));
      let body: unknown;
      try {
        body = JSON.parse(read.text);
      } catch {
        return sendJson(response, 400, JSON.stringify({ error: 'fault body must be JSON' }));
      }
      const problem = context.faults.add(body);
      if (problem !== undefined) return sendJson(response, 400, JSON.stringify({ error: problem }));
      return sendJson(response, 200, JSON.stringify({ faults: context.faults.list() }));
    }
    if (method === 'DELETE') context.faults.clear();
    if (method === 'GET' || method === 'DELETE') {
      return sendJson(response, 200, JSON.stringify({ faults: context.faults.list() }));
    }
  } else if (path === '/control/stats' && method === 'GET') {
    return sendJson(response, 200, JSON.stringify(snapshotStats(context)));
  } else if (path === '/control/reset' && method === 'POST') {
    resetStats(context);
    return sendJson(response, 200, JSON.stringify(snapshotStats(context)));
  }
  sendJson(response, 404, JSON.stringify({ detail: 'Not Found' }));
}
