// Node's floor for a JSON-rewriting LLM proxy: node:http in, one keep-alive undici Pool out, the body parsed
// and re-serialised once, the upstream status, headers and body (SSE included) piped straight back.
// Usage: node bench/overhead/floor-proxy.mjs --port P --upstream http://127.0.0.1:U [--model NAME]
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    upstream: { type: 'string' },
    model: { type: 'string' },
  },
});
if (values.upstream === undefined) throw new Error('--upstream http://host:port is required');
const upstream = new URL(values.upstream);
const prefix = upstream.pathname.replace(/\/$/, '');
const pool = new Pool(upstream.origin, { keepAliveTimeout: 60_000, pipelining: 1 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding']);

const server = createServer(async (request, response) => {
  try {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    let body;
    if (chunks.length > 0) {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (values.model !== undefined) parsed.model = values.model;
      body = JSON.stringify(parsed);
    }
    const upstreamResponse = await pool.request({
      method: request.method,
      path: prefix + request.url,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
    });
    const headers = {};
    for (const [name, value] of Object.entries(upstreamResponse.headers))
      if (!hopByHop.has(name)) headers[name] = value;
    response.writeHead(upstreamResponse.statusCode, headers);
    await pipeline(upstreamResponse.body, response);
  } catch (error) {
    if (response.headersSent) return void response.destroy();
    response.writeHead(502, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 502, message: String(error) } }));
  }
});
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`floor proxy listening on http://127.0.0.1:${server.address().port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void pool.close().then(() => process.exit(0));
  });
}
