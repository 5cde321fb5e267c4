/** Token usage of one generation, normalised across providers. */
export interface Usage {
  /** Full prompt, cached part included. */
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** Prompt tokens served from the provider's cache (part of `promptTokens`). */
  readonly cachedTokens?: number;
  readonly cacheWriteTokens?: number;
  /** Reasoning tokens (part of `completionTokens`). */
  readonly reasoningTokens?: number;
  /** True when counted by our tokenizer because the upstream gave no usage. */
  readonly estimated: boolean;
}
