import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { ChatService } from '../../gateway/chat-service.js';
import { parseChatRequest } from '../../gateway/parse-chat-request.js';
import { createKeepAliveTicker } from '../keep-alive-ticker.js';
import { sendChatStream } from '../send-chat-stream.js';

export interface ChatCompletionsOptions {
  readonly service: ChatService;
  readonly keepAliveMs: number;
}

/** `POST /v1/chat/completions` and `/api/v1/chat/completions`: one handler, stream and non-stream. */
export function registerChatCompletions(app: FastifyInstance, options: ChatCompletionsOptions): void {
  const keepAlive = createKeepAliveTicker(options.keepAliveMs);
  for (const path of ['/v1/chat/completions', '/api/v1/chat/completions']) {
    app.post(path, async (request, reply) => {
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
      const context = { id: request.id, signal: controller.signal };
      if (!parsed.stream) {
        const response = await options.service.complete(parsed, context);
        return reply.headers(response.headers).send(response.body);
      }
      await sendChatStream(reply, options.service.stream(parsed, context), {
        id: request.id,
        requestedModel: parsed.requestedModel,
        keepAlive,
        signal: controller.signal,
      });
      return reply;
    });
  }
}
