/** A compiled model allowlist: `*` any run of characters (slashes too), `?` one character, case-insensitive. */
export type ModelMatcher = (name: string) => boolean;

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('')
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

/** The matcher of a key's `allowed_models`; an empty list allows every model. */
export function compileModelGlobs(globs: readonly string[]): ModelMatcher {
  if (globs.length === 0) return () => true;
  const patterns = globs.map(globToRegExp);
  return (name) => patterns.some((pattern) => pattern.test(name));
}
