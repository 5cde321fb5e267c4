import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyTable } from '../../auth/api-key-table.js';
import type { KeyManager } from '../../auth/key-manager.js';
import { parseKeyInput } from '../../auth/parse-key-input.js';
import { serializeKey } from '../../auth/serialize-key.js';
import { GatewayError } from '../../errors/index.js';

export interface AdminKeysOptions {
  readonly manager: KeyManager;
  /** Reloaded after each change, so the change is in force in this process before the answer. */
  readonly table: ApiKeyTable;
  readonly requireAdmin: (request: FastifyRequest) => void;
}

/** Key bodies are a few hundred bytes; nothing larger belongs on an admin route. */
const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

function idOf(request: FastifyRequest): string {
  return (request.params as { id?: string }).id ?? '';
}

function notFound(id: string): GatewayError {
  return new GatewayError('not_found', `No key with id '${id}'. GET /admin/keys lists them.`, {
    param: 'id',
    metadata: { key_id: id },
  });
}

/**
 * Key management (`ADMIN_API_KEY`): `GET /admin/keys`, `GET /admin/keys/:id`, `POST /admin/keys` (the key
 * is in this answer only), `PATCH /admin/keys/:id`, `DELETE /admin/keys/:id`.
 */
export function registerAdminKeys(app: FastifyInstance, options: AdminKeysOptions): void {
  const { manager, table } = options;
  const guarded = {
    bodyLimit: ADMIN_BODY_LIMIT_BYTES,
    // onRequest: refused before the body is even read.
    onRequest: async (request: FastifyRequest) => options.requireAdmin(request),
  };

  app.get('/admin/keys', guarded, async () => ({
    data: (await manager.list()).map(serializeKey),
  }));

  app.get('/admin/keys/:id', guarded, async (request) => {
    const record = await manager.find(idOf(request));
    if (record === null) throw notFound(idOf(request));
    return { data: serializeKey(record) };
  });

  app.post('/admin/keys', guarded, async (request, reply) => {
    const input = parseKeyInput(request.body, 'create');
    const created = await manager.create({ ...input, name: input.name ?? '' });
    await table.reloadAfterWrite();
    // The one time the key is shown: never cached by anything in between.
    return reply
      .status(201)
      .header('cache-control', 'no-store')
      .send({ data: serializeKey(created.record), key: created.key });
  });

  app.patch('/admin/keys/:id', guarded, async (request) => {
    const changes = parseKeyInput(request.body, 'update');
    const record = await manager.update(idOf(request), changes);
    if (record === null) throw notFound(idOf(request));
    await table.reloadAfterWrite();
    return { data: serializeKey(record) };
  });

  app.delete('/admin/keys/:id', guarded, async (request) => {
    if (!(await manager.remove(idOf(request)))) throw notFound(idOf(request));
    await table.reloadAfterWrite();
    return { data: { id: idOf(request), deleted: true } };
  });
}
