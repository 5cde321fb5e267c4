import type { ApiKeyRecord } from './api-key-record.js';
import type { ApiKeyStore } from './api-key-store.js';
import { digestsEqual, type KeyHasher } from './hash-api-key.js';
import { compileIpAllowlist, type IpAllowlist } from './ip-allowlist.js';
import { compileModelGlobs, type ModelMatcher } from './match-model-glob.js';

/** A key as the request path uses it: the record with its allowlists compiled once. */
export interface KeyEntry {
  readonly record: ApiKeyRecord;
  readonly allowsModel: ModelMatcher;
  readonly ips: IpAllowlist;
}

export interface ApiKeyTableOptions {
  readonly store: ApiKeyStore;
  readonly hasher: KeyHasher;
  /** How often the table is read again (changes made by other processes, e.g. the CLI). */
  readonly refreshIntervalMs: number;
  /** A miss reloads the table at most this often (a key created a moment ago by the CLI works at once). */
  readonly missReloadMs?: number;
  readonly onError: (error: unknown) => void;
}

/**
 * Every client key in memory, by hash: the request path never waits for the database. Reloaded every
 * `refreshIntervalMs` and after each change made through this process; a miss triggers a reload at most once
 * per `missReloadMs` (so a flood of wrong keys cannot flood the database). A failed reload keeps the table as
 * it was and is reported through `onError`.
 */
export class ApiKeyTable {
  readonly #options: ApiKeyTableOptions;
  #byHash = new Map<string, KeyEntry>();
  #byId = new Map<string, KeyEntry>();
  #loaded = false;
  #missReloadAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Resolves after the first load, whether it worked or not. */
  readonly ready: Promise<void>;

  constructor(options: ApiKeyTableOptions) {
    this.#options = options;
    this.ready = this.reload();
    this.#timer = setInterval(() => void this.reload(), options.refreshIntervalMs);
    this.#timer.unref();
  }

  /** Keys known, or null until the first load succeeded (callers then assume there may be some: fail closed). */
  get count(): number | null {
    return this.#loaded ? this.#byId.size : null;
  }

  /** Keys whose hash was made under another scheme than the one in force (they cannot authenticate). */
  get mismatchedScheme(): number {
    let count = 0;
    for (const entry of this.#byId.values())
      if (entry.record.hashScheme !== this.#options.hasher.scheme) count += 1;
    return count;
  }

  /** The entry of a presented key, from memory (no I/O). */
  find(key: string): KeyEntry | undefined {
    const hash = this.#options.hasher.hash(key);
    const entry = this.#byHash.get(hash);
    // The map lookup is by a keyed hash of the secret; the final equality is constant-time anyway.
    return entry !== undefined && digestsEqual(entry.record.keyHash, hash) ? entry : undefined;
  }

  /** Like `find`, but a miss reloads the table first (at most once per `missReloadMs`, whoever missed). */
  async findFresh(key: string): Promise<KeyEntry | undefined> {
    const found = this.find(key);
    if (found !== undefined) return found;
    // Wall time, not the gateway's (injectable) clock: this only paces database reads.
    const at = performance.now();
    if (at - this.#missReloadAt < (this.#options.missReloadMs ?? 1000)) return undefined;
    this.#missReloadAt = at;
    await this.reload();
    return this.find(key);
  }

  byId(id: string): KeyEntry | undefined {
    return this.#byId.get(id);
  }

  entries(): KeyEntry[] {
    return [...this.#byId.values()];
  }

  /** Reads every key again; concurrent callers share one read. */
  reload(): Promise<void> {
    this.#loading ??= this.#options.store
      .list()
      .then((records) => this.#replace(records))
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => {
        this.#loading = null;
      });
    return this.#loading;
  }

  /**
   * Reloads after a change this process wrote: waits out a read that started before the write (it may not
   * hold the change), then reads again.
   */
  async reloadAfterWrite(): Promise<void> {
    while (this.#loading !== null) await this.#loading;
    await this.reload();
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #replace(records: readonly ApiKeyRecord[]): void {
    const byHash = new Map<string, KeyEntry>();
    const byId = new Map<string, KeyEntry>();
    for (const record of records) {
      // An unchanged record keeps its compiled allowlists.
      const previous = this.#byId.get(record.id);
      const entry =
        previous !== undefined && previous.record.updatedAt === record.updatedAt ? previous : compile(record);
      byHash.set(record.keyHash, entry);
      byId.set(record.id, entry);
    }
    this.#byHash = byHash;
    this.#byId = byId;
    this.#loaded = true;
  }
}

function compile(record: ApiKeyRecord): KeyEntry {
  return {
    record,
    allowsModel: compileModelGlobs(record.allowedModels),
    ips: compileIpAllowlist(record.allowedIps),
  };
}
