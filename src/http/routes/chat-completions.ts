import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { ChatService } from '../../gateway/chat-service.js';
import { parseChatRequest } from '../../gateway/parse-chat-request.js';
import type { ReleaseSlot, RequestQueue } from '../../limits/request-queue.js';
import { createKeepAliveTicker } from '../keep-alive-ticker.js';
import { sendChatStream } from '../send-chat-stream.js';

export interface ChatCompletionsOptions {
  readonly service: ChatService;
  readonly keepAliveMs: number;
  /** Admission: a request is validated first, then waits for a slot. */
  readonly queue: RequestQueue;
  /** A stream gives its slot back when its route commits (else when it ends). */
  readonly releaseStreamAtCommit: boolean;
  readonly now: () => number;
  /** Chat requests being answered now (from arrival to the last byte), for a graceful shutdown. */
  readonly activity: { inFlight: number };
}

function headerText(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? null : text.slice(0, 512);
}

/** `POST /v1/chat/completions` and `/api/v1/chat/completions`: one handler, stream and non-stream. */
export function registerChatCompletions(app: FastifyInstance, options: ChatCompletionsOptions): void {
  const keepAlive = createKeepAliveTicker(options.keepAliveMs);
  for (const path of ['/v1/chat/completions', '/api/v1/chat/completions']) {
    app.post(path, async (request, reply) => {
      options.activity.inFlight += 1;
      try {
        return await handle(request, reply);
      } finally {
        options.activity.inFlight -= 1;
      }
    });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const parsed = parseChatRequest(request.body);
    const controller = new AbortController();
    // 'close' before the response finished means the client went away: stop the upstream at once.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) {
        controller.abort(
          new GatewayError('cancelled', 'The client closed the connection before the answer.'),
        );
      }
    });
    const slot = options.queue.acquire(controller.signal);
    const release: ReleaseSlot = typeof slot === 'function' ? slot : await slot;
    const context = {
      id: request.id,
      signal: controller.signal,
      receivedAt: options.now(),
      referer: headerText(request.headers['http-referer'] ?? request.headers.referer),
      title: headerText(request.headers['x-title']),
    };
    if (!parsed.stream) {
      try {
        const response = await options.service.complete(parsed, context);
        return await reply.headers(response.headers).send(response.body);
      } finally {
        release();
      }
    }
    const pending = options.service.stream(parsed, context);
    if (options.releaseStreamAtCommit) pending.then(release, release);
    try {
      await sendChatStream(reply, pending, {
        id: request.id,
        requestedModel: parsed.requestedModel,
        keepAlive,
        signal: controller.signal,
      });
    } finally {
      release();
    }
    return reply;
  }
}
