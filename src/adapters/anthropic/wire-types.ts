/**
 * The parts of Anthropic's Messages API wire format this adapter writes (`POST /v1/messages`, version
 * `2023-06-01`). Responses are read defensively from `unknown` instead: the API adds fields and block types
 * over time, and the adapter must not break on them.
 */

/** `{type: "ephemeral", ttl?: "5m" | "1h"}`, passed through as the client sent it. */
export type CacheControl = Readonly<Record<string, unknown>>;

export interface TextBlock {
  readonly type: 'text';
  text: string;
  cache_control?: CacheControl;
}

export type MediaSource =
  | { readonly type: 'base64'; readonly media_type: string; readonly data: string }
  | { readonly type: 'url'; readonly url: string };

export interface ImageBlock {
  readonly type: 'image';
  readonly source: MediaSource | Readonly<Record<string, unknown>>;
  cache_control?: CacheControl;
}

export interface DocumentBlock {
  readonly type: 'document';
  readonly source: MediaSource | Readonly<Record<string, unknown>>;
  cache_control?: CacheControl;
}

export interface ToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
  cache_control?: CacheControl;
}

export interface ToolResultBlock {
  readonly type: 'tool_result';
  readonly tool_use_id: string;
  readonly content: string | (TextBlock | ImageBlock)[];
  cache_control?: CacheControl;
}

export interface ThinkingBlock {
  readonly type: 'thinking';
  readonly thinking: string;
  readonly signature: string;
}

export interface RedactedThinkingBlock {
  readonly type: 'redacted_thinking';
  readonly data: string;
}

/** A block a user or assistant turn may carry (user: text, image, document, tool_result). */
export type ContentBlock =
  | TextBlock
  | ImageBlock
  | DocumentBlock
  | ToolUseBlock
  | ToolResultBlock
  | ThinkingBlock
  | RedactedThinkingBlock;

/** One turn; Anthropic wants user and assistant turns to alternate, so consecutive ones are merged. */
export interface AnthropicMessage {
  readonly role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface AnthropicTool {
  readonly name: string;
  readonly description?: string;
  readonly input_schema: Readonly<Record<string, unknown>>;
  readonly cache_control?: CacheControl;
}

export type AnthropicToolChoice =
  | { readonly type: 'auto' | 'any'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'tool'; readonly name: string; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'none' };

export interface ThinkingConfig {
  readonly type: 'enabled';
  /** At least 1024 and below `max_tokens`. */
  readonly budget_tokens: number;
}

/** The request body of `POST /v1/messages`. */
export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: string | TextBlock[];
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: ThinkingConfig;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { readonly user_id: string };
  output_config?: { readonly format: { readonly type: 'json_schema'; readonly schema: unknown } };
  cache_control?: CacheControl;
  stream?: true;
}
