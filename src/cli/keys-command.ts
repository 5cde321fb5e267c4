import type { ApiKeyChanges, ApiKeyRecord } from '../auth/api-key-record.js';
import type { ApiKeyStore } from '../auth/api-key-store.js';
import { createApiKeyStore } from '../auth/create-api-key-store.js';
import { createKeyHasher } from '../auth/hash-api-key.js';
import { createKeyManager, type KeyManager } from '../auth/key-manager.js';
import { parseKeyInput } from '../auth/parse-key-input.js';
import { serializeKey } from '../auth/serialize-key.js';
import { ConfigError, loadConfig, type Config, type Environment } from '../config/index.js';
import { GatewayError } from '../errors/index.js';
import { parseFlags, type ParsedFlags } from './parse-flags.js';

/** Where the command writes; injected by tests. */
export interface KeysIo {
  readonly write: (text: string) => void;
  readonly writeError: (text: string) => void;
}

export const KEYS_USAGE = `  keys           Manage client API keys in the gateway's database (the request log's: SQLite or DATABASE_URL).
                 keys create --name NAME [--owner USER] [--models 'glob,glob'] [--ips 'ip,cidr']
                             [--rpm N] [--rpd N] [--tpm N] [--tpd N] [--max-concurrency N]
                             [--budget USD] [--reset daily|weekly|monthly|never] [--expires ISO-DATE]
                             prints the new key once: store it now, it cannot be shown again
                 keys list                  every key (id, label hi-…abcd, limits; never the key)
                 keys disable ID | enable ID | delete ID
                 --json (machine-readable output), --config-dir DIR
`;

const CREATE_FLAGS = {
  name: 'string',
  owner: 'string',
  models: 'string',
  ips: 'string',
  rpm: 'number',
  rpd: 'number',
  tpm: 'number',
  tpd: 'number',
  'max-concurrency': 'number',
  budget: 'number',
  reset: 'string',
  expires: 'string',
  json: 'boolean',
  'config-dir': 'string',
} as const;
const COMMON_FLAGS = { json: 'boolean', 'config-dir': 'string' } as const;

const list = (value: string | number | boolean | undefined) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    : undefined;

/** The create flags as the admin API's body, so both go through the same validation. */
function createBody(flags: ParsedFlags): Record<string, unknown> {
  const limits: Record<string, unknown> = {};
  for (const [flag, field] of [
    ['rpm', 'rpm'],
    ['rpd', 'rpd'],
    ['tpm', 'tpm'],
    ['tpd', 'tpd'],
    ['max-concurrency', 'max_concurrency'],
  ] as const) {
    if (flags[flag] !== undefined) limits[field] = flags[flag];
  }
  const body: Record<string, unknown> = { name: flags.name };
  if (flags.owner !== undefined) body.owner = flags.owner;
  if (flags.models !== undefined) body.allowed_models = list(flags.models);
  if (flags.ips !== undefined) body.allowed_ips = list(flags.ips);
  if (Object.keys(limits).length > 0) body.limits = limits;
  if (flags.budget !== undefined) body.limit = flags.budget;
  if (flags.reset !== undefined) body.limit_reset = flags.reset;
  if (flags.expires !== undefined) body.expires_at = flags.expires;
  return body;
}

function describeLimits(record: ApiKeyRecord): string {
  const parts = Object.entries(record.limits).map(([field, value]) => `${field}=${value}`);
  if (record.budget !== null) {
    parts.push(`budget=$${record.budget.limitMicros / 1e6}/${record.budget.reset}`);
  }
  return parts.length === 0 ? '-' : parts.join(' ');
}

function table(records: readonly ApiKeyRecord[], now: number): string {
  const header = ['ID', 'NAME', 'KEY', 'OWNER', 'STATE', 'MODELS', 'LIMITS'];
  const rows = records.map((record) => {
    const serialized = serializeKey(record);
    const state = record.disabled
      ? 'disabled'
      : record.expiresAt !== null && record.expiresAt <= now
        ? 'expired'
        : 'active';
    return [
      record.id,
      record.name,
      serialized.label,
      record.owner ?? '-',
      state,
      record.allowedModels.length === 0 ? '*' : record.allowedModels.join(','),
      describeLimits(record),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** What the command line asks for, fully checked before the database is opened. */
type KeysCommand =
  | {
      readonly action: 'create';
      readonly input: ApiKeyChanges & { readonly name: string };
      readonly json: boolean;
    }
  | { readonly action: 'list'; readonly json: boolean }
  | { readonly action: 'disable' | 'enable' | 'delete'; readonly id: string; readonly json: boolean };

/** Parses `keys ...`; a bad flag or value throws with a message naming it and the fix. */
export function parseKeysArguments(argv: readonly string[]): KeysCommand & { readonly configDir?: string } {
  const [action = '', ...rest] = argv;
  const withDirectory = (flags: ParsedFlags) =>
    typeof flags['config-dir'] === 'string' ? { configDir: flags['config-dir'] } : {};
  if (action === 'create') {
    const flags = parseFlags(rest, CREATE_FLAGS);
    let input: ApiKeyChanges;
    try {
      input = parseKeyInput(createBody(flags), 'create');
    } catch (error) {
      // The admin API's message names the body field; the command line has flags.
      if (error instanceof GatewayError) throw new Error(`keys create: ${error.message}`);
      throw error;
    }
    return {
      action,
      input: { ...input, name: input.name ?? '' },
      json: flags.json === true,
      ...withDirectory(flags),
    };
  }
  if (action === 'list') {
    const flags = parseFlags(rest, COMMON_FLAGS);
    return { action, json: flags.json === true, ...withDirectory(flags) };
  }
  if (action === 'disable' || action === 'enable' || action === 'delete') {
    const [id, ...flagArguments] = rest;
    if (id === undefined || id.startsWith('--'))
      throw new Error(`keys ${action} needs a key id (keys list shows them)`);
    const flags = parseFlags(flagArguments, COMMON_FLAGS);
    return { action, id, json: flags.json === true, ...withDirectory(flags) };
  }
  throw new Error(`keys needs one of create, list, disable, enable, delete; got '${action}'`);
}

async function execute(command: KeysCommand, manager: KeyManager, io: KeysIo): Promise<number> {
  switch (command.action) {
    case 'create': {
      const created = await manager.create(command.input);
      if (command.json) {
        io.write(`${JSON.stringify({ ...serializeKey(created.record), key: created.key })}\n`);
      } else {
        io.write(
          `Created ${created.record.id} (${created.record.name}).\n\n  ${created.key}\n\n` +
            'This is the only time the key is shown; only its hash is stored. Send it as ' +
            '"Authorization: Bearer <key>". A running gateway picks it up within KEY_CACHE_TTL_SECONDS.\n',
        );
      }
      return 0;
    }
    case 'list': {
      const records = await manager.list();
      if (command.json) {
        for (const record of records) io.write(`${JSON.stringify(serializeKey(record))}\n`);
      } else if (records.length === 0)
        io.writeError('no keys yet: hybrid-inference keys create --name NAME\n');
      else io.write(`${table(records, Date.now())}\n`);
      return 0;
    }
    case 'delete': {
      if (!(await manager.remove(command.id))) {
        io.writeError(`no key with id '${command.id}'\n`);
        return 1;
      }
      io.write(`Deleted ${command.id}.\n`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const record = await manager.update(command.id, { disabled: command.action === 'disable' });
      if (record === null) {
        io.writeError(`no key with id '${command.id}'\n`);
        return 1;
      }
      io.write(
        command.json ? `${JSON.stringify(serializeKey(record))}\n` : `${record.id}: ${command.action}d.\n`,
      );
      return 0;
    }
  }
}

/**
 * `hybrid-inference keys create|list|disable|enable|delete`: key management on the gateway's database, the
 * same one the admin API writes. 0 on success, 1 when the key or the database is not there; a bad flag or
 * value throws (the CLI prints it with the usage and exits 2).
 */
export async function runKeysCommand(
  argv: readonly string[],
  environment: Environment,
  cwd: string,
  io: KeysIo,
): Promise<number> {
  const command = parseKeysArguments(argv);
  let config: Config;
  try {
    config = loadConfig({
      environment,
      cwd,
      ...(command.configDir === undefined ? {} : { overrides: { configDir: command.configDir } }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.writeError(`${error.message}\n`);
    return 1;
  }
  const { storage } = config;
  let store: ApiKeyStore | null = null;
  try {
    store = createApiKeyStore(storage);
    const manager = createKeyManager({
      store,
      hasher: createKeyHasher(config.security.keyHashSecret),
      now: Date.now,
    });
    return await execute(command, manager, io);
  } catch (error) {
    const where =
      !storage.useSqlite && storage.databaseUrl !== null
        ? 'PostgreSQL (DATABASE_URL)'
        : `SQLite ${storage.sqlitePath}`;
    io.writeError(
      `cannot use the key database (${where}): ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  } finally {
    await store?.close();
  }
}
