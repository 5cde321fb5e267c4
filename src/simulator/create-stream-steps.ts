import type { ChunkFormatter } from './create-chunk-formatter.js';
import type { SimulatedCompletion } from './generate-completion.js';

/** The token-paced part of a stream: step i is emitted at ttft + i / tokensPerSecond. */
export interface StreamSteps {
  readonly count: number;
  /** The SSE event of step `index`, or '' for a token whose text was swallowed by a stop string. */
  render(index: number): string;
}

/**
 * Text: one step per token, the last carrying finish_reason (vLLM puts it on the final token's chunk).
 * An empty completion still gets one step, an empty content delta with the finish reason.
 * Tool call: the name fragment, then the argument fragments, the last carrying finish_reason.
 */
export function createStreamSteps(formatter: ChunkFormatter, completion: SimulatedCompletion): StreamSteps {
  if (completion.kind === 'tool_call') {
    const fragments = completion.argumentFragments;
    return {
      count: 1 + fragments.length,
      render: (index) =>
        index === 0
          ? formatter.toolCallStart(completion.toolCallId, completion.name)
          : formatter.toolCallArguments(
              fragments[index - 1] ?? '',
              index === fragments.length ? 'tool_calls' : null,
            ),
    };
  }
  const pieces = completion.pieces;
  const count = Math.max(1, pieces.length);
  return {
    count,
    render: (index) => {
      const piece = pieces[index] ?? '';
      if (index === count - 1)
        return formatter.content(piece, completion.finishReason, completion.stopReason);
      return piece === '' ? '' : formatter.content(piece, null, null);
    },
  };
}
