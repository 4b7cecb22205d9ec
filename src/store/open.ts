/**
 * Opens the configured store: PostgreSQL when `store.url` is set, else the embedded SQLite
 * file. The serving gateway and the CLI both open it here, with different roles.
 */
import { isAbsolute, resolve } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import type { Logger } from '../log.ts'
import { SqliteStore } from './sqlite/store.ts'
import type { DeliveryStore } from './store.ts'

export function storePath(loaded: LoadedConfig): string {
  const { path } = loaded.config.store
  return path === ':memory:' || isAbsolute(path) ? path : resolve(loaded.configDir, path)
}

export interface OpenStoreOptions {
  /**
   * The serving gateway: it owns an SQLite store (a second server on the same file is
   * refused), creates it if missing, and on PostgreSQL listens for new work. The CLI leaves
   * this off: it works next to a running server and never creates a store. @default false
   */
  serve?: boolean
  logger?: Logger
}

/** The admin console searches payloads: only then does the serving store keep the search index (docs/design.md §10). */
const searchable = (loaded: LoadedConfig) => loaded.config.admin !== undefined

/** The configured store: PostgreSQL when `store.url` is set, else the embedded SQLite file. */
export async function openStore(loaded: LoadedConfig, options: OpenStoreOptions = {}): Promise<DeliveryStore> {
  const { store } = loaded.config
  const dedupWindowMs = loaded.config.dedupWindowSeconds * 1000
  const { logger } = options
  const serve = options.serve === true
  if (store.url) {
    // Loaded only when configured: SQLite users do not pay for the driver at start-up.
    const { PgStore } = await import('./postgres/store.ts')
    return PgStore.open({
      url: store.url,
      dedupWindowMs,
      leaseMs: store.leaseSeconds * 1000,
      listen: serve,
      searchTerms: searchable(loaded),
      warn: logger && ((message, fields) => logger.warn(message, fields)),
    })
  }
  return new SqliteStore({
    path: storePath(loaded),
    sync: store.sync,
    dedupWindowMs,
    serve,
    create: serve,
    searchIndex: serve && searchable(loaded),
    warn: logger && ((message, fields) => logger.error(message, fields)),
  })
}
