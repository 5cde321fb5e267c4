import type { ChunkReader } from '../../src/adapters/dispatch-request.js';

/** A response body that hands out the given batches, then ends; `destroyed` tells whether it was stopped. */
export function chunkReaderOf(batches: readonly Buffer[][]): ChunkReader & { destroyed: boolean } {
  let position = 0;
  return {
    destroyed: false,
    next: () => Promise.resolve(position < batches.length ? (batches[position++] as Buffer[]) : null),
    discardRest() {},
    destroy() {
      this.destroyed = true;
    },
  };
}
