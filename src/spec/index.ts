export type * from './chat-request.js';
export type * from './chat-result.js';
export type * from './usage.js';
export type * from './route-target.js';
export type { FinishReason } from './finish-reason.js';
export { isFinishReason } from './finish-reason.js';
export type { StreamPart, ChatDelta, ToolCallDelta } from './stream-part.js';
export { isSubstantiveDelta } from './stream-part.js';
export { OPENROUTER_ONLY_FIELDS } from './openrouter-fields.js';
