// Printing for the benchmark harnesses: one aligned-table format, the number formatters and the results JSON,
// so every harness reports the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export function print(text = '') {
  process.stdout.write(`${text}\n`);
}

/** Columns two spaces apart, first left-aligned, others right-aligned, a dashed rule under the header. */
export function table(header, rows) {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (row) =>
    row
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** A formatter: `digits` decimals, '-' for NaN and infinities. */
export const fixed = (digits) => (value) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
/** A formatter like `fixed` with a sign: '+' for zero and above. */
export const signed = (digits) => (value) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '-';

/** A latency difference in ms. */
export const fmtSigned = signed(3);
/** A CPU share in % of one core. */
export const fmtPct = fixed(0);
/** A size in kB (as /proc reports it) shown in MB. */
export const fmtMb = (kb) => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : '-');

/** Writes `data` to `<outDir>/<name>-<timestamp>.json` and says where. */
export function writeResults(outDir, name, data) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  print(`results written to ${relative(process.cwd(), file)}`);
  return file;
}
