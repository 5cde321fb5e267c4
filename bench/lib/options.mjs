// Command-line parsing the harnesses share: the flags every harness has, and number and list checks that
// fail with the same messages everywhere.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repo } from './build.mjs';

/** Parses `argv` with the harness's `options` plus --gateway-log-level, --out and --help: the values. */
export function parseHarnessArgs(argv, options) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...options,
      'gateway-log-level': { type: 'string', default: 'warn' },
      out: { type: 'string', default: join(repo, 'bench', 'results') },
      help: { type: 'boolean', default: false },
    },
  });
  return values;
}

/**
 * A reader of numeric flags in `values`: `number(name, minimum, { integer, maximum, above })` returns the
 * value of --name or throws when it is not a number >= minimum (> with `above`), <= maximum, an integer.
 */
export function numberReader(values) {
  return (name, minimum, { integer = false, maximum = Infinity, above = false } = {}) => {
    const value = Number(values[name]);
    const low = above ? value <= minimum : value < minimum;
    if (values[name].trim() === '' || !Number.isFinite(value) || low || value > maximum)
      throw new Error(
        `--${name} expects ${integer ? 'an integer' : 'a number'} ${above ? '>' : '>='} ${minimum}` +
          `${maximum === Infinity ? '' : ` and <= ${maximum}`}, got '${values[name]}'`,
      );
    if (integer && !Number.isInteger(value))
      throw new Error(`--${name} expects an integer, got '${values[name]}'`);
    return value;
  };
}

/** The comma list of --name: each item one of `known`, returned in the order of `known`. */
export function readList(values, name, known) {
  const items = values[name]
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items)
    if (!known.includes(item)) throw new Error(`--${name}: unknown '${item}'; known: ${known.join(', ')}`);
  return known.filter((item) => items.includes(item));
}
