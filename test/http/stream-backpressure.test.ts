import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually, startGateway, type GatewayUnderTest } from '../helpers/start-gateway.js';

// A client that stops reading a long stream holds the gateway, which holds its upstream: nothing piles up in
// between, and the stream resumes intact. A client that leaves while held stops the upstream.
const EVENTS = 100_000;

/** An upstream that writes its SSE events one at a time and waits whenever its socket is full. */
interface PacedUpstream {
  readonly url: string;
  /** Events written by the current (last) response. */
  written: number;
  finished: number;
  closedEarly: number;
  close(): Promise<void>;
}

function chunk(delta: string, finish: string | null): string {
  const choice = { index: 0, delta: delta === '' ? {} : { content: delta }, finish_reason: finish };
  return `data: ${JSON.stringify({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [choice] })}\n\n`;
}

async function startPacedUpstream(): Promise<PacedUpstream> {
  const upstream: PacedUpstream & { server?: Server } = {
    url: '',
    written: 0,
    finished: 0,
    closedEarly: 0,
    close: async () => {
      upstream.server?.closeAllConnections();
      await new Promise((resolve) => upstream.server?.close(resolve));
    },
  };
  const serve = async (response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    upstream.written = 0;
    let open = true;
    response.on('close', () => {
      if (!response.writableFinished) upstream.closedEarly += 1;
      open = false;
    });
    for (let index = 0; index < EVENTS && open; index += 1) {
      upstream.written += 1;
      if (!response.write(chunk(`t${index} `, null))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off('drain', done);
            response.off('close', done);
            resolve();
          };
          response.on('drain', done);
          response.on('close', done);
        });
      }
    }
    if (!open) return;
    response.write(chunk('', 'stop'));
    const usage = { prompt_tokens: 5, completion_tokens: EVENTS, total_tokens: EVENTS + 5 };
    response.write(
      `data: ${JSON.stringify({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [], usage })}\n\n`,
    );
    response.end('data: [DONE]\n\n');
    upstream.finished += 1;
  };
  const server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on('end', () => void serve(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.server = server;
  return Object.assign(upstream, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
}

let upstream: PacedUpstream;
let gateway: GatewayUnderTest;

before(async () => {
  upstream = await startPacedUpstream();
  gateway = await startGateway({
    modelsYaml: `models:\n  - id: m\n    route: [{ kind: vllm, base_url: "${upstream.url}", provider_model_id: up }]\n`,
  });
});

after(async () => {
  await gateway.close();
  await upstream.close();
});

/** Opens the long stream and resolves with the response, paused: its body is not read until resumed. */
function openPausedStream(): Promise<IncomingMessage> {
  const { hostname, port } = new URL(gateway.origin);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        hostname,
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (response) => {
        response.pause();
        resolve(response);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'long' }] }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the upstream stops writing (two looks 150 ms apart see the same count) and returns the count. */
async function plateau(): Promise<number> {
  let previous = -1;
  for (let looks = 0; looks < 100; looks += 1) {
    await sleep(150);
    if (upstream.written === previous) return previous;
    previous = upstream.written;
  }
  throw new Error('the upstream never stopped writing');
}

describe('a slow stream reader', () => {
  // A lost wake-up (a missed 'drain', a transfer left paused) hangs the stream: fail instead of waiting forever.
  test(
    'holds the upstream while it does not read, then gets every event in order',
    { timeout: 30_000 },
    async () => {
      const finished = upstream.finished;
      const response = await openPausedStream();
      assert.equal(response.statusCode, 200);
      const held = await plateau();
      assert.ok(held < EVENTS / 2, `the upstream is held (${held} of ${EVENTS} events written)`);
      assert.equal(upstream.finished, finished);
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => (text += piece));
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      const events = text.split('\n\n').filter((event) => event.startsWith('data: '));
      assert.equal(events.at(-1), 'data: [DONE]');
      const chunks = events
        .slice(0, -1)
        .map((event) => JSON.parse(event.slice(6)) as Record<string, unknown>);
      const contents = chunks.flatMap((parsed) =>
        (parsed.choices as { delta: { content?: string } }[]).map((choice) => choice.delta.content ?? ''),
      );
      const text0 = contents.join('');
      assert.equal(
        text0,
        Array.from({ length: EVENTS }, (_, index) => `t${index} `).join(''),
        'every token, in order',
      );
      assert.equal((chunks.at(-1)?.usage as { completion_tokens: number }).completion_tokens, EVENTS);
      assert.equal(new Set(chunks.map((parsed) => parsed.id)).size, 1, 'one id across the stream');
      assert.equal(upstream.finished, finished + 1);
    },
  );

  test(
    'that leaves while held stops the upstream at once and is recorded as cancelled',
    { timeout: 30_000 },
    async () => {
      const closedEarly = upstream.closedEarly;
      const recorded = gateway.records.length;
      const response = await openPausedStream();
      const held = await plateau();
      response.destroy();
      await eventually(() => upstream.closedEarly === closedEarly + 1, 5000);
      await eventually(() => gateway.records.length === recorded + 1, 5000);
      const record = gateway.records.at(-1);
      assert.equal(record?.cancelled, true);
      assert.equal(record?.status, 200);
      assert.ok((record?.usage?.completionTokens ?? 0) > 0, 'billed for what was generated');
      assert.ok(upstream.written <= held + 1000, 'nothing much written after the client left');
    },
  );
});
