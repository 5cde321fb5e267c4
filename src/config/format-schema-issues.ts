import type { z } from 'zod';
import type { ConfigProblem } from './config-error.js';

/** `['models', 2, 'route', 0, 'base_url']` → `models[2].route[0].base_url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let result = '';
  for (const segment of path) {
    if (typeof segment === 'number') result += `[${segment}]`;
    else result += result === '' ? String(segment) : `.${String(segment)}`;
  }
  return result;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** Turns zod issues into problems that say what is wrong and what to write instead. */
export function formatSchemaIssues(
  file: string,
  root: unknown,
  issues: readonly z.core.$ZodIssue[],
): ConfigProblem[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        return {
          file,
          path,
          message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `'${key}'`).join(', ')}; remove it or check the spelling`,
        };
      case 'invalid_type': {
        const found = valueAt(root, issue.path);
        if (found === undefined) return { file, path, message: `is required; add it (${issue.expected})` };
        return { file, path, message: `must be ${issue.expected}, found ${describeValue(found)}` };
      }
      case 'invalid_value':
        return {
          file,
          path,
          message: `${issue.message}; allowed: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`,
        };
      case 'too_small':
      case 'too_big': {
        const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const relation =
          issue.code === 'too_small'
            ? issue.inclusive === false
              ? 'above'
              : 'at least'
            : issue.inclusive === false
              ? 'below'
              : 'at most';
        const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
        const found = valueAt(root, issue.path);
        const foundText = typeof found === 'number' ? `, found ${found}` : '';
        return {
          file,
          path,
          message: `must be ${relation} ${bound}${what === '' ? '' : ` ${what}`}${foundText}`,
        };
      }
      default:
        return { file, path, message: issue.message };
    }
  });
}
