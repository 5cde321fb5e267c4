import { Pool, type Dispatcher } from 'undici';

export interface UpstreamPools {
  /** The keep-alive Pool for one origin (`http://host:port`), created on first use. */
  dispatcherFor(origin: string): Dispatcher;
  close(): Promise<void>;
}

/**
 * One undici Pool per upstream origin: keep-alive connections are reused across requests and routes that
 * share a host (several models on one vLLM, several providers behind one proxy).
 */
export function createUpstreamPools(options: { readonly connectTimeoutMs: number }): UpstreamPools {
  const pools = new Map<string, Pool>();
  return {
    dispatcherFor(origin) {
      let pool = pools.get(origin);
      if (pool === undefined) {
        pool = new Pool(origin, {
          connections: 256,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          keepAliveMaxTimeout: 600_000,
          connect: { timeout: options.connectTimeoutMs },
        });
        pools.set(origin, pool);
      }
      return pool;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}
