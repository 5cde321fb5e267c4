import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import { convertMessagesRequest } from '../../gateway/messages/convert-messages-request.js';
import { convertMessagesResponse } from '../../gateway/messages/convert-messages-response.js';
import { countInputTokens } from '../../gateway/messages/count-input-tokens.js';
import { stopSequencesOf } from '../../gateway/messages/map-stop-reason.js';
import { createMessagesStreamFormat } from '../../gateway/messages/messages-stream-format.js';
import type { GatewayView } from '../gateway-view.js';
import { registerChatEndpoint, type ChatCompletionsOptions, type ChatEndpoint } from './chat-completions.js';

export interface MessagesOptions extends ChatCompletionsOptions {
  /** The catalog in force, for `count_tokens` (which calls no upstream) to know the model. */
  readonly view: () => GatewayView;
}

/** Errors on these routes leave in Anthropic's envelope (see the error handler in create-server.ts). */
const ANTHROPIC_ROUTE_CONFIG = { errorFormat: 'anthropic' } as const;

const MESSAGES: ChatEndpoint = {
  paths: ['/v1/messages', '/api/v1/messages'],
  config: ANTHROPIC_ROUTE_CONFIG,
  parse: (body) => convertMessagesRequest(body),
  serialize: (completed, parsed) => convertMessagesResponse(completed, stopSequencesOf(parsed.request.stop)),
  streamFormat: createMessagesStreamFormat,
};

/**
 * Anthropic's Messages API, `POST /v1/messages` and `/api/v1/messages` (stream and non-stream), served by the
 * chat pipeline like chat completions (same routing, admission, limits, request log); and
 * `POST /v1/messages/count_tokens` (also under `/api`), counted with the gateway's tokenizer without an
 * upstream call. Authentication is the server's hooks' business, as for every route.
 */
export function registerMessages(app: FastifyInstance, options: MessagesOptions): void {
  registerChatEndpoint(app, options, MESSAGES);
  for (const path of ['/v1/messages/count_tokens', '/api/v1/messages/count_tokens']) {
    app.post(path, { config: ANTHROPIC_ROUTE_CONFIG }, async (request) => {
      const parsed = convertMessagesRequest(request.body, { requireMaxTokens: false });
      const view = options.view();
      const model = parsed.requestedModel;
      if (view.registry.find(model) === undefined && model !== view.config.routing.autoModel) {
        throw new GatewayError(
          'not_found',
          `Model '${model}' is not served by this gateway. GET /v1/models lists the available ids.`,
          { param: 'model', metadata: { model } },
        );
      }
      return { input_tokens: await countInputTokens(parsed.request) };
    });
  }
}
