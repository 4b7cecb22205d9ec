/** The store as the CLI opens it: the config's store only, which must exist, closed after the work. */
import { loadConfig, type LoadedConfig } from '../config/load.ts'
import { openStore } from '../store/open.ts'
import type { DeliveryStore } from '../store/store.ts'
import { configPath } from './args.ts'

export async function withStore<T>(values: { config?: string; env?: string }, work: (store: DeliveryStore, loaded: LoadedConfig) => Promise<T>): Promise<T> {
  // Only the store is opened: plugin options (and the secrets they interpolate) are not needed.
  const loaded = await loadConfig({ path: configPath(values), environment: values.env, scope: 'store' })
  // The same store the server uses: the SQLite file, or PostgreSQL from any machine with the URL.
  const store = await openStore(loaded)
  try {
    return await work(store, loaded)
  } finally {
    await store.close()
  }
}
