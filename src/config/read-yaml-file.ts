import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { ConfigProblem } from './config-error.js';

export type YamlReadResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: ConfigProblem[] };

/** Reads and parses one YAML file; syntax errors come back as problems with the line and column. */
export function readYamlFile(path: string): YamlReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    return {
      ok: false,
      problems: [
        { file: path, path: '', message: `${reason}; create it or point the variable at another file` },
      ],
    };
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        file: path,
        path: '',
        message: `YAML syntax error at line ${error.linePos?.[0].line ?? '?'}, column ${error.linePos?.[0].col ?? '?'}: ${error.message.split('\n')[0] ?? ''}; fix the indentation or quoting there`,
      })),
    };
  }
  return { ok: true, value: document.toJS() as unknown };
}
