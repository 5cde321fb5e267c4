import type { ChatMessage, ContentPart } from '../spec/index.js';
import { hashContent, type RequestLogEntry } from '../storage/index.js';
import type { RequestRecord } from './request-record.js';

/** Sampling parameters kept in the log (the seed's columns and the other common ones). */
const LOGGED_PARAMETERS = [
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'seed',
  'stop',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
  'response_format',
  'tool_choice',
  'reasoning',
] as const;

function promptText(messages: readonly ChatMessage[]): string {
  const lines: string[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') lines.push(`${message.role}: ${message.content}`);
    else if (Array.isArray(message.content)) {
      const text = (message.content as readonly ContentPart[])
        .map((part) => (typeof part.text === 'string' ? part.text : `[${part.type}]`))
        .join('\n');
      lines.push(`${message.role}: ${text}`);
    }
  }
  return lines.join('\n');
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The request-log row of a finished request. Prompt and response text are kept only with `LOG_CONTENT=true`;
 * their SHA-256 hashes always (to find repeated prompts without storing them).
 */
export function logEntryOf(record: RequestRecord, logContent: boolean): RequestLogEntry {
  const request = record.facts.request;
  const prompt = request === null ? null : promptText(request.messages);
  const params: Record<string, unknown> = {};
  if (request !== null) {
    for (const name of LOGGED_PARAMETERS) if (request[name] !== undefined) params[name] = request[name];
  }
  const usage = record.usage;
  return {
    requestId: record.id,
    timestamp: record.facts.receivedAt,
    requestedModel: record.requestedModel,
    modelId: record.model ?? record.requestedModel,
    provider: record.provider ?? '',
    routeId: record.route,
    isLocal: record.isLocal,
    statusCode: record.status,
    errorType: record.errorType,
    errorMessage: record.errorMessage,
    stream: record.stream,
    attempts: record.attempts,
    fallback: record.fallback,
    interrupted: record.interrupted,
    cancelled: record.cancelled,
    params: params,
    ttftMs: record.ttftMs,
    latencyMs: record.latencyMs,
    promptTokens: usage?.promptTokens ?? null,
    completionTokens: usage?.completionTokens ?? null,
    reasoningTokens: usage?.reasoningTokens ?? null,
    cachedTokens: usage?.cachedTokens ?? null,
    cacheWriteTokens: usage?.cacheWriteTokens ?? null,
    totalTokens: usage?.totalTokens ?? null,
    estimated: usage?.estimated ?? false,
    costUsd: record.costUsd,
    finishReason: record.finishReasons[0] ?? null,
    nativeFinishReason: record.nativeFinishReason,
    apiKeyId: record.apiKeyId ?? null,
    userId: stringOrNull(request?.user),
    sessionId: stringOrNull(request?.session_id),
    referer: record.facts.referer,
    title: record.facts.title,
    prompt: logContent ? prompt : null,
    response: logContent ? record.responseText : null,
    promptHash: prompt === null ? null : hashContent(prompt),
    responseHash: record.responseText === null ? null : hashContent(record.responseText),
    tools: request?.tools ?? null,
    metadata: {},
  };
}
