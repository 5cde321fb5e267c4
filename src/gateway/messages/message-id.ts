const GENERATION_PREFIX = 'gen-';

/**
 * The Messages API id of a generation: `msg_` + the generation id without its `gen-` prefix, so the
 * `gen-...` id (`X-Generation-Id`, the request log, `GET /api/v1/generation`) can be rebuilt from it.
 */
export function messageIdOf(generationId: string): string {
  return generationId.startsWith(GENERATION_PREFIX)
    ? `msg_${generationId.slice(GENERATION_PREFIX.length)}`
    : `msg_${generationId}`;
}
