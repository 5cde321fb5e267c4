import type { Logger } from 'pino';
import type { RequestRecord } from './request-record.js';

/** The one `info` line per finished request: ids, route, outcome, timings, tokens and cost — never content or keys. */
export function logRecordLine(logger: Logger, record: RequestRecord): void {
  logger.info(
    {
      request_id: record.id,
      api_key_id: record.apiKeyId ?? undefined,
      model: record.model ?? record.requestedModel,
      route: record.route,
      status: record.status,
      stream: record.stream,
      error_type: record.errorType,
      attempts: record.attempts.length,
      ttft_ms: record.ttftMs,
      latency_ms: record.latencyMs,
      prompt_tokens: record.usage?.promptTokens,
      completion_tokens: record.usage?.completionTokens,
      estimated: record.usage?.estimated,
      cost_usd: record.costUsd,
      interrupted: record.interrupted || undefined,
      cancelled: record.cancelled || undefined,
    },
    'request finished',
  );
}
