/**
 * The delivery suite runs once per store: the embedded SQLite file and a PostgreSQL schema of
 * its own. `describeStore(kind)` is `describe`, or `describe.skip` when PostgreSQL is absent
 * outside CI (see helpers/postgres.ts; under CI=true an absent server fails instead).
 */
import { describe } from 'bun:test'
import { describePg, freshPgUrl } from './postgres.ts'

export type StoreKind = 'sqlite' | 'postgres'
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres']

export function describeStore(kind: StoreKind): typeof describe {
  return kind === 'postgres' ? describePg : describe
}

/** The `store:` block of a config for `kind` (a fresh PostgreSQL schema on every call). */
export function storeYaml(kind: StoreKind, label = 'suite'): string {
  if (kind === 'sqlite') return 'store:\n  path: ./data/gateway.db'
  return `store:\n  url: "${freshPgUrl(label)}"\n  leaseSeconds: 5`
}
