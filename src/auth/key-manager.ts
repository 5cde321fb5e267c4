import { GatewayError } from '../errors/index.js';
import { generateApiKey, generateKeyId } from './api-key-format.js';
import { applyKeyChanges, type ApiKeyChanges, type ApiKeyRecord } from './api-key-record.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { KeyHasher } from './hash-api-key.js';

/** A new key: its record and the key itself, which exists nowhere else and is shown once. */
export interface CreatedKey {
  readonly record: ApiKeyRecord;
  readonly key: string;
}

/** Key management shared by the admin API and the CLI (both write the same database). */
export interface KeyManager {
  create(input: ApiKeyChanges & { readonly name: string }): Promise<CreatedKey>;
  list(): Promise<ApiKeyRecord[]>;
  find(id: string): Promise<ApiKeyRecord | null>;
  /** The updated record, or null when there is no such key. */
  update(id: string, changes: ApiKeyChanges): Promise<ApiKeyRecord | null>;
  remove(id: string): Promise<boolean>;
}

export function createKeyManager(options: {
  readonly store: ApiKeyStore;
  readonly hasher: KeyHasher;
  readonly now: () => number;
}): KeyManager {
  const { store, hasher, now } = options;
  return {
    async create(input) {
      const key = generateApiKey();
      const createdAt = now();
      const base: ApiKeyRecord = {
        id: generateKeyId(),
        name: input.name,
        owner: null,
        keyHash: hasher.hash(key),
        hashScheme: hasher.scheme,
        lastFour: key.slice(-4),
        createdAt,
        updatedAt: createdAt,
        expiresAt: null,
        disabled: false,
        allowedModels: [],
        allowedIps: [],
        limits: {},
        budget: null,
      };
      const record = applyKeyChanges(base, input, createdAt);
      await store.insert(record);
      return { record, key };
    },
    list: () => store.list(),
    find: (id) => store.find(id),
    async update(id, changes) {
      const current = await store.find(id);
      if (current === null) return null;
      if (current.budget === null && changes.budgetReset !== undefined && changes.budgetLimitMicros == null) {
        throw new GatewayError('invalid_request', "This key has no budget: set 'limit' with 'limit_reset'.", {
          param: 'limit',
        });
      }
      // Never the same ms twice: the in-memory table recompiles a key when its updated_at moves.
      const record = applyKeyChanges(current, changes, Math.max(now(), current.updatedAt + 1));
      return (await store.replace(record)) ? record : null;
    },
    remove: (id) => store.remove(id),
  };
}
