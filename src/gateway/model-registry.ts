import type { ModelEntry } from '../config/index.js';

/** Looks models up by id or alias (exact first, then case-insensitive, as slugs are lower-case by habit). */
export interface ModelRegistry {
  readonly models: readonly ModelEntry[];
  find(name: string): ModelEntry | undefined;
}

export function createModelRegistry(models: readonly ModelEntry[]): ModelRegistry {
  const exact = new Map<string, ModelEntry>();
  const folded = new Map<string, ModelEntry>();
  for (const model of models) {
    for (const name of [model.id, ...model.aliases]) {
      exact.set(name, model);
      if (!folded.has(name.toLowerCase())) folded.set(name.toLowerCase(), model);
    }
  }
  return {
    models,
    find: (name) => exact.get(name) ?? folded.get(name.toLowerCase()),
  };
}
