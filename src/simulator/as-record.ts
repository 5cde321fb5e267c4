/** Narrows a parsed JSON value to a plain object, or `undefined` for arrays, null and primitives. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
