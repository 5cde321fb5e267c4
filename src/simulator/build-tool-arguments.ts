import { asRecord } from './as-record.js';

/** Placeholder arguments from JSON-schema properties: strings "sim" (or the first enum), numbers 1, ... */
export function buildToolArguments(properties: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const definition = asRecord(schema) ?? {};
    if (Array.isArray(definition.enum) && definition.enum.length > 0) {
      result[name] = (definition.enum as unknown[])[0];
      continue;
    }
    result[name] = placeholderFor(definition.type);
  }
  return result;
}

function placeholderFor(type: unknown): unknown {
  const name = Array.isArray(type) ? (type as unknown[])[0] : type;
  if (name === 'string') return 'sim';
  if (name === 'number' || name === 'integer') return 1;
  if (name === 'boolean') return true;
  if (name === 'array') return [];
  if (name === 'object') return {};
  return null;
}
