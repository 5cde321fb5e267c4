const VARIABLE_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in one string. As in the shell, the default applies when the
 * variable is unset or empty; an unset variable without a default becomes the empty string.
 */
export function substituteString(value: string, environment: Environment): string {
  if (!value.includes('${')) return value;
  return value.replace(VARIABLE_PATTERN, (_match, name: string, fallback: string | undefined) => {
    const found = environment[name];
    if (found !== undefined && found !== '') return found;
    return fallback ?? '';
  });
}

/** Names of the variables a string refers to, for messages like "set GROQ_API_KEY". */
export function referencedVariables(value: string): string[] {
  return [...value.matchAll(VARIABLE_PATTERN)].map((match) => match[1] ?? '');
}

/** Substitutes every string of a parsed YAML document, keys excepted, recursively. */
export function substituteEnv(value: unknown, environment: Environment): unknown {
  if (typeof value === 'string') return substituteString(value, environment);
  if (Array.isArray(value)) return value.map((item) => substituteEnv(item, environment));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = substituteEnv(item, environment);
    return result;
  }
  return value;
}
