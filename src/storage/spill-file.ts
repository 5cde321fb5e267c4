import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { appendFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { toJsonText } from './api-log-columns.js';
import type { RequestLogEntry } from './request-log-entry.js';

/**
 * The append-only NDJSON file that holds request log rows the database could not take (one entry per line),
 * and the files set aside for replay. Replay never edits the live file: it renames it to a unique
 * `<name>.<time>-<pid>.replaying` (atomic), appends that file's rows, then deletes it. A crash or a database
 * failure mid-replay leaves the `.replaying` file, replayed again later from the start; the rows already
 * stored are skipped by `ON CONFLICT (request_id) DO NOTHING`. Appends and the rename are serialised, so no
 * line lands in a file already being read.
 */
export interface SpillFile {
  readonly path: string;
  /** Queues rows for the file (never throws); they are written in the background, in order, one write per turn. */
  add(entries: readonly RequestLogEntry[]): void;
  /** Rows added but not yet written (a failed write keeps them here and is retried on the next `add`/`settle`). */
  pending(): number;
  /** Writes what is pending; resolves when written or when the write failed (reported). */
  settle(): Promise<void>;
  /** Whether any file is waiting for replay (checked on disk at creation, tracked afterwards). */
  hasRows(): boolean;
  /** Sets the live file aside and lists every file waiting for replay, oldest first. */
  takeForReplay(): Promise<string[]>;
  /** The file's rows in batches of up to `batchSize`; `dropped` counts lines that were not a row. */
  read(path: string, batchSize: number): AsyncGenerator<{ entries: RequestLogEntry[]; dropped: number }>;
  /** Deletes a replayed file. */
  remove(path: string): Promise<void>;
}

export interface SpillFileOptions {
  readonly path: string;
  /** Called after each successful write with the number of rows it held. */
  readonly onWritten: (rows: number) => void;
  readonly onError: (error: unknown, rows: number) => void;
}

/** One line per entry; a field that cannot be JSON (a cycle) is stored as null rather than losing the row. */
function toLine(entry: RequestLogEntry): string {
  const text = toJsonText(entry);
  if (text !== null) return text;
  const { attempts, params, tools, metadata } = entry;
  return (
    toJsonText({
      ...entry,
      attempts: JSON.parse(toJsonText(attempts) ?? '[]') as unknown,
      params: JSON.parse(toJsonText(params) ?? '{}') as unknown,
      tools: JSON.parse(toJsonText(tools) ?? 'null') as unknown,
      metadata: JSON.parse(toJsonText(metadata) ?? '{}') as unknown,
    }) ?? '{}'
  );
}

function isEntry(value: unknown): value is RequestLogEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { requestId, timestamp } = value as Record<string, unknown>;
  return typeof requestId === 'string' && requestId !== '' && typeof timestamp === 'number';
}

function isReplayName(name: string, base: string): boolean {
  return name.startsWith(`${base}.`) && name.endsWith('.replaying');
}

/** Opens (creating its folder) the spill file at `path`; creation is the only synchronous disk access. */
export function createSpillFile(options: SpillFileOptions): SpillFile {
  const { path } = options;
  const folder = dirname(path);
  const base = basename(path);
  mkdirSync(folder, { recursive: true });
  let rowsOnDisk = existsSync(path) || readdirSync(folder).some((name) => isReplayName(name, base));
  let lines: string[] = [];
  let writing: Promise<void> | null = null;
  /** Serialises appends with the replay rename. */
  let tail: Promise<unknown> = Promise.resolve();
  let replays = 0;
  /** Files set aside for replay and not yet removed (a failed replay leaves them for the next). */
  const waiting = new Set<string>();

  function serial<T>(work: () => Promise<T>): Promise<T> {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  }

  async function writePending(): Promise<void> {
    while (lines.length > 0) {
      const batch = lines;
      lines = [];
      try {
        // The leading newline ends a line a crash may have cut short, so the first row here stays whole.
        await serial(() => appendFile(path, `\n${batch.join('\n')}\n`, 'utf8'));
        rowsOnDisk = true;
        options.onWritten(batch.length);
      } catch (error) {
        lines = [...batch, ...lines];
        options.onError(error, batch.length);
        return;
      }
    }
  }

  function startWriting(): Promise<void> {
    writing ??= writePending().finally(() => {
      writing = null;
    });
    return writing;
  }

  return {
    path,

    add(entries) {
      for (const entry of entries) lines.push(toLine(entry));
      void startWriting();
    },

    pending: () => lines.length,

    async settle() {
      await writing;
      if (lines.length > 0) await startWriting();
    },

    hasRows: () => rowsOnDisk || waiting.size > 0,

    takeForReplay() {
      return serial(async () => {
        replays += 1;
        const aside = join(folder, `${base}.${Date.now()}-${process.pid}-${replays}.replaying`);
        try {
          await rename(path, aside).catch((error: unknown) => {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          });
          rowsOnDisk = false;
          const names = (await readdir(folder)).filter((name) => isReplayName(name, base)).sort();
          for (const name of names) waiting.add(join(folder, name));
          return [...waiting].sort();
        } catch (error) {
          rowsOnDisk = true;
          throw error;
        }
      });
    },

    async *read(file, batchSize) {
      const input = createReadStream(file, { encoding: 'utf8' });
      const reader = createInterface({ input, crlfDelay: Infinity });
      let entries: RequestLogEntry[] = [];
      let dropped = 0;
      try {
        for await (const line of reader) {
          if (line.trim() === '') continue;
          let value: unknown = null;
          try {
            value = JSON.parse(line);
          } catch {
            // A line cut short by a crash mid-write: nothing of it can be stored.
          }
          if (isEntry(value)) entries.push(value);
          else dropped += 1;
          if (entries.length >= batchSize) {
            yield { entries, dropped };
            entries = [];
            dropped = 0;
          }
        }
        if (entries.length > 0 || dropped > 0) yield { entries, dropped };
      } finally {
        reader.close();
        input.destroy();
      }
    },

    async remove(file) {
      waiting.delete(file);
      await unlink(file).catch((error: unknown) => {
        // Another process replaying the same file may have removed it first.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    },
  };
}
