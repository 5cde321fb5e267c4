import type { Config } from '../config/index.js';
import { createQuotaLimiter } from '../limits/quota-limiter.js';
import type { StateStore } from '../state/state-store.js';
import type { ApiKeyStore } from './api-key-store.js';
import { ApiKeyTable } from './api-key-table.js';
import { createAuthMode, type AuthMode } from './auth-mode.js';
import { createKeyAuthenticator, type KeySession } from './authenticate-key.js';
import { createBudgetLedger, type BudgetLedger } from './budget-ledger.js';
import { createApiKeyStore } from './create-api-key-store.js';
import { createKeyHasher } from './hash-api-key.js';
import { createKeyAdmission, type CatalogView, type KeyAdmission } from './key-admission.js';
import { createKeyManager, type KeyManager } from './key-manager.js';

/** Where the key machinery reports what the operator should know (never a key). */
export interface KeyAccessLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

/** Everything client keys need, built once per gateway process. */
export interface KeyAccess {
  readonly mode: AuthMode;
  readonly table: ApiKeyTable;
  readonly manager: KeyManager;
  readonly ledger: BudgetLedger;
  readonly admission: KeyAdmission;
  readonly authenticate: (presented: string | null, clientAddress: string) => Promise<KeySession>;
  /** Writes pending spend, stops the reload timer, closes the key database. */
  close(): Promise<void>;
}

/** Repeats of one failure (database down) are reported once a minute, not per request. */
const ERROR_REPORT_INTERVAL_MS = 60_000;

/**
 * Builds the key store (the request log's database unless `keyStore` is given), the in-memory key table,
 * the budget ledger on the state store, the per-key admission and the auth mode, and writes the one start-up
 * line saying whether keys are required.
 */
export function createKeyAccess(options: {
  readonly config: Config;
  readonly state: StateStore;
  readonly catalog: () => CatalogView;
  readonly now: () => number;
  readonly log: KeyAccessLog;
  readonly keyStore?: ApiKeyStore;
}): KeyAccess {
  const { config, now, log } = options;
  const security = config.security;
  const store = options.keyStore ?? createApiKeyStore(config.storage);
  const hasher = createKeyHasher(security.keyHashSecret);
  let lastReportAt = Number.NEGATIVE_INFINITY;
  const reportError = (what: string) => (error: unknown) => {
    const at = Date.now();
    if (at - lastReportAt < ERROR_REPORT_INTERVAL_MS) return;
    lastReportAt = at;
    // The message of a driver error names the database, never a client key (keys are not in any query).
    log.warn({ store: store.kind, detail: error instanceof Error ? error.message : String(error) }, what);
  };
  const table = new ApiKeyTable({
    store,
    hasher,
    refreshIntervalMs: security.keyCacheTtlMs,
    onError: reportError('client keys: the key database could not be read; the keys last read stay in force'),
  });
  const mode = createAuthMode({
    setting: security.authMode,
    host: config.server.host,
    keyCount: () => table.count,
  });
  const ledger = createBudgetLedger({
    state: options.state,
    keys: store,
    now,
    onError: reportError('client keys: spend could not be written or read; retrying'),
  });
  // Per-key quotas are enforced whatever RATE_LIMIT_ENABLED says: they are the key's terms, not models.yaml's.
  const limiter = createQuotaLimiter({ store: options.state, now, enabled: true });
  const admission = createKeyAdmission({ ledger, limiter, catalog: options.catalog, now });
  void table.ready.then(() => {
    const line = mode.describe();
    if (line.warning) log.warn({ auth_mode: 'none' }, line.text);
    else log.info({ auth_mode: 'keys', keys: table.count }, line.text);
    const mismatched = table.mismatchedScheme;
    if (mismatched > 0) {
      log.warn(
        { keys: mismatched, scheme: hasher.scheme },
        `${mismatched} client key(s) were hashed under another KEY_HASH_SECRET setting and cannot authenticate; restore the setting or create new keys`,
      );
    }
  });
  return {
    mode,
    table,
    manager: createKeyManager({ store, hasher, now }),
    ledger,
    admission,
    authenticate: createKeyAuthenticator({ table, adminApiKey: config.server.adminApiKey, now }),
    async close() {
      table.close();
      await ledger.flush();
      await store.close();
    },
  };
}
