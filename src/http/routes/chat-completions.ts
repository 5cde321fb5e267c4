import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.js';
import type { ChatService, CompletedChat } from '../../gateway/chat-service.js';
import { parseChatRequest, type ParsedChatRequest } from '../../gateway/parse-chat-request.js';
import { CHAT_COMPLETION_STREAM_FORMAT } from '../../gateway/serialize-chunk.js';
import { serializeCompletion } from '../../gateway/serialize-completion.js';
import type { StreamFormat } from '../../gateway/stream-events.js';
import type { ReleaseSlot, RequestQueue } from '../../limits/request-queue.js';
import { createKeepAliveTicker } from '../keep-alive-ticker.js';
import { sendChatStream } from '../send-chat-stream.js';
import { CancelController } from '../../util/cancel-controller.js';

export interface ChatCompletionsOptions {
  readonly service: ChatService;
  readonly keepAliveMs: number;
  /** Admission: a request is validated first, then waits for a slot. */
  readonly queue: RequestQueue;
  /** A stream gives its slot back when its route commits (else when it ends). */
  readonly releaseStreamAtCommit: boolean;
  readonly now: () => number;
  /**
   * Chat handlers running now. A handler outlives its connection when the client goes away: it still records
   * (and bills) the request, so a graceful shutdown waits for this to reach 0 before closing the log.
   */
  readonly handlers: { running: number };
}

function headerText(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? null : text.slice(0, 512);
}

/**
 * One chat-shaped endpoint: how it reads its body and shapes its answers. Admission, cancellation and the chat
 * pipeline (routing, accounting, request log) are the same for all of them.
 */
export interface ChatEndpoint {
  readonly paths: readonly string[];
  /** Fastify route config, e.g. the error shape the error handler answers in. */
  readonly config?: FastifyContextConfig;
  /** Validates the body into the canonical request; throws a GatewayError 400 naming the field. */
  parse(body: unknown): ParsedChatRequest;
  /** The JSON body of a non-stream answer. */
  serialize(completed: CompletedChat, parsed: ParsedChatRequest): unknown;
  /** The wire format of a stream answer. */
  streamFormat(parsed: ParsedChatRequest): StreamFormat;
}

const CHAT_COMPLETIONS: ChatEndpoint = {
  paths: ['/v1/chat/completions', '/api/v1/chat/completions'],
  parse: parseChatRequest,
  serialize: (completed) =>
    serializeCompletion(completed.identity, completed.result, completed.usage, completed.costUsd),
  streamFormat: () => CHAT_COMPLETION_STREAM_FORMAT,
};

/** `POST /v1/chat/completions` and `/api/v1/chat/completions`: one handler, stream and non-stream. */
export function registerChatCompletions(app: FastifyInstance, options: ChatCompletionsOptions): void {
  registerChatEndpoint(app, options, CHAT_COMPLETIONS);
}

/** Registers `endpoint` on each of its paths, served by the shared chat pipeline. */
export function registerChatEndpoint(
  app: FastifyInstance,
  options: ChatCompletionsOptions,
  endpoint: ChatEndpoint,
): void {
  const keepAlive = createKeepAliveTicker(options.keepAliveMs);
  for (const path of endpoint.paths) {
    app.post(path, { config: endpoint.config ?? {} }, async (request, reply) => {
      options.handlers.running += 1;
      try {
        return await handle(request, reply);
      } finally {
        options.handlers.running -= 1;
      }
    });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const parsed = endpoint.parse(request.body);
    const controller = new CancelController();
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
      trace: request.trace,
    };
    if (!parsed.stream) {
      try {
        const completed = await options.service.complete(parsed, context);
        return await reply.headers(completed.headers).send(endpoint.serialize(completed, parsed));
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
        format: endpoint.streamFormat(parsed),
      });
    } finally {
      release();
    }
    return reply;
  }
}
