/**
 * OpenRouter request fields the gateway acts on itself (routing, plugins, accounting switches). They are
 * part of the client contract and never part of an upstream request (DESIGN.md §4).
 */
export const OPENROUTER_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'models',
  'provider',
  'route',
  'transforms',
  'plugins',
  'usage',
]);
