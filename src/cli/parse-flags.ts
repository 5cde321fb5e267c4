/** Flag definitions: name → whether it takes a value. */
export type FlagSpec = Readonly<Record<string, 'string' | 'number' | 'boolean'>>;

export type ParsedFlags = Record<string, string | number | boolean>;

/**
 * Parses `--name value`, `--name=value` and boolean `--name`. Unknown flags and bad numbers are errors whose
 * message says what is expected (the CLI prints it with the usage and exits 2).
 */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const flags: ParsedFlags = {};
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (!argument.startsWith('--')) throw new Error(`unexpected argument '${argument}'`);
    const [rawName, inlineValue] = argument.slice(2).split(/=(.*)/s, 2);
    const name = rawName ?? '';
    const kind = spec[name];
    if (kind === undefined)
      throw new Error(
        `unknown flag --${name}; known: ${Object.keys(spec)
          .map((key) => `--${key}`)
          .join(', ')}`,
      );
    if (kind === 'boolean') {
      flags[name] = inlineValue === undefined ? true : inlineValue !== 'false';
      continue;
    }
    const value = inlineValue ?? argv[(index += 1)];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (kind === 'number') {
      const parsed = Number(value);
      if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number, got '${value}'`);
      flags[name] = parsed;
    } else flags[name] = value;
  }
  return flags;
}
