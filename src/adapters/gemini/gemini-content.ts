/**
 * The parts of Gemini's `generateContent` wire format the adapter writes (v1beta REST, camelCase JSON). Only
 * what we send is typed; responses are read field by field from `unknown`, since upstream JSON is untrusted.
 */

/** One piece of a turn: exactly one of the data fields is set. */
export interface GeminiPart {
  readonly text?: string;
  readonly inlineData?: { readonly mimeType: string; readonly data: string };
  readonly fileData?: { readonly mimeType?: string; readonly fileUri: string };
  readonly functionCall?: { readonly name: string; readonly args: Readonly<Record<string, unknown>> };
  readonly functionResponse?: { readonly name: string; readonly response: Readonly<Record<string, unknown>> };
  /** Opaque signature of the model's reasoning, echoed back on the function call it came with. */
  readonly thoughtSignature?: string;
}

/** One turn of the conversation. Gemini knows two roles: tool results are sent as `user` turns. */
export interface GeminiContent {
  readonly role: 'user' | 'model';
  readonly parts: GeminiPart[];
}

/** `{ text }` parts only: Gemini takes no role on the system instruction. */
export interface GeminiSystemInstruction {
  readonly parts: readonly GeminiPart[];
}
