import { createId } from './create-id.js';
import { buildToolArguments } from './build-tool-arguments.js';
import { createPrng, hashText } from './create-prng.js';
import type { SimulatedChatRequest, SimulatedTool } from './parse-chat-request.js';

/** A text answer; `pieces[i]` is the text of token i (the first without, later ones with a leading space). */
export interface TextCompletion {
  kind: 'text';
  pieces: string[];
  content: string;
  completionTokens: number;
  finishReason: 'stop' | 'length';
  /** The stop string that ended generation (vLLM's `stop_reason`), else null. */
  stopReason: string | null;
}

/** A forced tool call; each streamed fragment (the name, then argument pieces) counts as one token. */
export interface ToolCallCompletion {
  kind: 'tool_call';
  toolCallId: string;
  name: string;
  arguments: string;
  argumentFragments: string[];
  completionTokens: number;
  finishReason: 'tool_calls';
}

export type SimulatedCompletion = TextCompletion | ToolCallCompletion;

// One word = one token keeps usage exact and easy to assert.
const vocabulary = (
  'the a model token stream answer quick simple local remote gateway request reply fast steady ' +
  'cloud route queue batch cache value signal result text word sample data compute engine worker ' +
  'node pool bright calm clear small large green blue river stone light north south east west ' +
  'lake field garden paper window morning evening music story system network packet router balance'
).split(' ');
const spacedVocabulary = vocabulary.map((word) => ' ' + word);

/** Generation inputs that come from the server options rather than the request. */
export interface GenerationSettings {
  seed: number;
  responseTokens: number;
}

/**
 * Plans the whole answer up front. Text is drawn from a PRNG seeded by the last user message and the
 * seed, so identical requests give identical text. The natural length is `sim.tokens` ?? `responseTokens`
 * (`max_tokens` when `ignore_eos`); `max_tokens` below it truncates with finish_reason "length".
 */
export function generateCompletion(
  request: SimulatedChatRequest,
  settings: GenerationSettings,
): SimulatedCompletion {
  if (request.forcedTool !== undefined) return generateToolCall(request.forcedTool);
  const naturalTokens =
    request.ignoreEos && request.maxTokens !== undefined
      ? request.maxTokens
      : Math.floor(request.tokens ?? settings.responseTokens);
  const isTruncated = request.maxTokens !== undefined && request.maxTokens < naturalTokens;
  const tokenCount = isTruncated ? (request.maxTokens ?? 0) : naturalTokens;
  const random = createPrng(hashText(request.seedText, settings.seed));
  const pieces: string[] = [];
  let content = '';
  for (let index = 0; index < tokenCount; index += 1) {
    const wordIndex = Math.floor(random() * vocabulary.length);
    const piece = (index === 0 ? vocabulary[wordIndex] : spacedVocabulary[wordIndex]) ?? '';
    const stop = findStop(content, piece, request.stop);
    if (stop !== undefined) return truncateAtStop(pieces, content, piece, stop);
    pieces.push(piece);
    content += piece;
  }
  const finishReason = isTruncated ? 'length' : 'stop';
  return { kind: 'text', pieces, content, completionTokens: tokenCount, finishReason, stopReason: null };
}

interface StopMatch {
  index: number;
  text: string;
}

/** The earliest stop string completed by appending `piece` to `content`. */
function findStop(content: string, piece: string, stops: readonly string[]): StopMatch | undefined {
  if (stops.length === 0) return undefined;
  const candidate = content + piece;
  let match: StopMatch | undefined;
  for (const stop of stops) {
    // Only matches that end inside the new piece are new; earlier ones were checked before.
    const index = candidate.indexOf(stop, Math.max(0, content.length - stop.length + 1));
    if (index >= 0 && (match === undefined || index < match.index)) match = { index, text: stop };
  }
  return match;
}

/**
 * Ends the answer before the stop string. Pieces already planned are clipped too (a stop string can span
 * tokens), like vLLM holding back text that might become a stop string, so stream == non-stream text.
 */
function truncateAtStop(pieces: string[], content: string, piece: string, stop: StopMatch): TextCompletion {
  const clipped: string[] = [];
  let offset = 0;
  for (const text of [...pieces, piece]) {
    clipped.push(text.slice(0, Math.max(0, stop.index - offset)));
    offset += text.length;
  }
  return {
    kind: 'text',
    pieces: clipped,
    content: (content + piece).slice(0, stop.index),
    completionTokens: clipped.length,
    finishReason: 'stop',
    stopReason: stop.text,
  };
}

function generateToolCall(tool: SimulatedTool): ToolCallCompletion {
  const argumentsText = JSON.stringify(buildToolArguments(tool.properties));
  const fragmentCount = Math.max(2, Math.min(8, Math.ceil(argumentsText.length / 8)));
  const fragmentLength = Math.ceil(argumentsText.length / fragmentCount);
  const argumentFragments: string[] = [];
  for (let offset = 0; offset < argumentsText.length; offset += fragmentLength) {
    argumentFragments.push(argumentsText.slice(offset, offset + fragmentLength));
  }
  return {
    kind: 'tool_call',
    toolCallId: createId('chatcmpl-tool-'),
    name: tool.name,
    arguments: argumentsText,
    argumentFragments,
    completionTokens: 1 + argumentFragments.length,
    finishReason: 'tool_calls',
  };
}
