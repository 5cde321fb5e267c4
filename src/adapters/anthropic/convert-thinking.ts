import type { ChatRequest } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import type { ThinkingConfig } from './wire-types.js';

/** Anthropic's smallest thinking budget. */
export const MINIMUM_BUDGET_TOKENS = 1024;

/** Share of `max_tokens` given to thinking per effort (OpenRouter's published ratios). */
const EFFORT_SHARES: ReadonlyMap<string, number> = new Map([
  ['max', 0.95],
  ['xhigh', 0.95],
  ['high', 0.8],
  ['medium', 0.5],
  ['low', 0.2],
  ['minimal', 0.1],
]);

export interface ConvertedThinking {
  /** Null: thinking stays off. */
  readonly thinking: ThinkingConfig | null;
  /** The `max_tokens` to send: Anthropic counts thinking in it and wants the budget below it. */
  readonly maxTokens: number;
}

/**
 * OpenRouter `reasoning` (or the `reasoning_effort` shorthand) → Anthropic `thinking`. `reasoning.max_tokens` is
 * the budget itself; an effort gives a share of `maxTokens` (`max`/`xhigh` 95%, `high` 80%, `medium` 50%, `low`
 * 20%, `minimal` 10%; an unknown effort counts as `medium`, as does `enabled: true` alone); `effort: "none"` or
 * `enabled: false` keeps thinking off. Budgets are at least 1024 tokens. When the budget does not fit below
 * `maxTokens`, `max_tokens` becomes budget + `maxTokens`, so the client's cap still bounds the visible answer.
 */
export function convertThinking(request: ChatRequest, maxTokens: number): ConvertedThinking {
  const budgetTokens = budgetOf(request, maxTokens);
  if (budgetTokens === null) return { thinking: null, maxTokens };
  return {
    thinking: { type: 'enabled', budget_tokens: budgetTokens },
    maxTokens: budgetTokens < maxTokens ? maxTokens : budgetTokens + maxTokens,
  };
}

/** True when the client asked not to see the reasoning (`reasoning.exclude`, legacy `include_reasoning: false`). */
export function isReasoningExcluded(request: ChatRequest): boolean {
  return (
    (isRecord(request.reasoning) && request.reasoning.exclude === true) || request.include_reasoning === false
  );
}

function budgetOf(request: ChatRequest, maxTokens: number): number | null {
  const reasoning = isRecord(request.reasoning) ? request.reasoning : {};
  if (reasoning.enabled === false) return null;
  const requestedBudget = reasoning.max_tokens;
  if (typeof requestedBudget === 'number' && requestedBudget > 0) {
    return Math.max(MINIMUM_BUDGET_TOKENS, Math.floor(requestedBudget));
  }
  const effort =
    reasoning.effort ?? request.reasoning_effort ?? (reasoning.enabled === true ? 'medium' : undefined);
  if (typeof effort !== 'string' || effort === 'none') return null;
  const share = EFFORT_SHARES.get(effort) ?? EFFORT_SHARES.get('medium') ?? 0;
  return Math.max(MINIMUM_BUDGET_TOKENS, Math.floor(maxTokens * share));
}
