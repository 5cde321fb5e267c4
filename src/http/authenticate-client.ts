import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeySession } from '../auth/authenticate-key.js';
import type { AuthMode } from '../auth/auth-mode.js';
import type { Admission, AdmissionRequest, KeyAdmission } from '../auth/key-admission.js';
import type { CallContext, ChatService } from '../gateway/chat-service.js';
import type { ParsedChatRequest } from '../gateway/parse-chat-request.js';
import type { RequestRecord } from '../gateway/request-record.js';
import { presentedKey } from './require-admin.js';

/** Client authentication on `/v1/*` and `/api/v1/*`, and the key policy around the chat service. */
export interface ClientAuth {
  /** Adds the `onRequest` hook that authenticates every `/v1` and `/api/v1` request while keys are required. */
  register(app: FastifyInstance): void;
  /**
   * The chat service with each client key's policy (models, quotas, budget) checked and reserved once the
   * body is parsed; its errors leave through the normal error handler (any route's envelope).
   */
  guard(service: ChatService): ChatService;
  /** Settles the request's reservations to its real usage and cost; the record gains its key id. */
  settle(record: RequestRecord): RequestRecord;
  /** The session the hook authenticated for this request, if any. */
  sessionOf(request: FastifyRequest): KeySession | undefined;
}

/** Route patterns under these prefixes need a client key (the matched pattern, not the raw URL: no encoding tricks). */
function isClientRoute(pattern: string | undefined): boolean {
  return pattern !== undefined && (pattern.startsWith('/v1/') || pattern.startsWith('/api/v1/'));
}

function admissionRequest(
  parsed: ParsedChatRequest,
  estimatePromptTokens: (parsed: ParsedChatRequest) => Promise<number>,
): AdmissionRequest {
  const { request } = parsed;
  return {
    models: [parsed.requestedModel, ...parsed.fallbackModels],
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? null,
    promptTokens: () => estimatePromptTokens(parsed),
  };
}

/**
 * Sessions and admissions are kept by request id (the generation id the chat pipeline records under): the
 * session from the hook to the service call, the admission from the service call to the request's record,
 * which the pipeline produces exactly once per call, also for failures and cancelled streams.
 */
export function createClientAuth(options: {
  readonly mode: AuthMode;
  /** Resolves once the key table was first read; until then the mode is not known (startup only). */
  readonly ready: Promise<void>;
  readonly authenticate: (presented: string | null, clientAddress: string) => Promise<KeySession>;
  readonly admission: KeyAdmission;
  readonly estimatePromptTokens: (parsed: ParsedChatRequest) => Promise<number>;
}): ClientAuth {
  const sessions = new Map<string, KeySession>();
  const admissions = new Map<string, Admission>();
  let ready = false;
  void options.ready.then(() => {
    ready = true;
  });

  async function admit(parsed: ParsedChatRequest, context: CallContext): Promise<void> {
    const session = sessions.get(context.id);
    if (session?.kind !== 'client') return;
    const admitted = await options.admission.admit(
      session.entry,
      admissionRequest(parsed, options.estimatePromptTokens),
    );
    admissions.set(context.id, admitted);
  }

  return {
    register(app) {
      const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
        // A request that arrives while the key table is being read for the first time waits for it, rather
        // than being refused by a mode that assumes keys until it knows.
        if (!ready) await options.ready;
        if (!options.mode.keysRequired()) return;
        const session = await options.authenticate(presentedKey(request), request.ip);
        sessions.set(request.id, session);
        // 'close' fires for every response, finished or aborted; the admission (if any) lives on until its record.
        reply.raw.once('close', () => sessions.delete(request.id));
      };
      // A callback hook: the common cases (not a client route, or no keys in force) cost no promise.
      app.addHook('onRequest', (request, reply, done) => {
        // The mode first: `routeOptions` is a getter that builds an object on every read.
        if (ready && !options.mode.keysRequired()) {
          done();
          return;
        }
        if (request.method === 'OPTIONS' || !isClientRoute(request.routeOptions.url)) {
          done();
          return;
        }
        authenticate(request, reply).then(
          () => done(),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },

    guard(service) {
      // Requests without a client session (no keys in force, the admin key) go straight through: no promise added.
      return {
        complete(parsed, context) {
          if (sessions.get(context.id)?.kind !== 'client') return service.complete(parsed, context);
          return admit(parsed, context).then(() => service.complete(parsed, context));
        },
        stream(parsed, context) {
          if (sessions.get(context.id)?.kind !== 'client') return service.stream(parsed, context);
          return admit(parsed, context).then(() => service.stream(parsed, context));
        },
      };
    },

    settle(record) {
      const admitted = admissions.get(record.id);
      if (admitted === undefined) return record;
      admissions.delete(record.id);
      admitted.settle(record.usage, record.costUsd);
      return { ...record, apiKeyId: admitted.keyId };
    },

    sessionOf: (request) => sessions.get(request.id),
  };
}
