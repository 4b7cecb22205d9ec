/**
 * A real PostgreSQL for the store tests: `GATEWAY_TEST_PG_URL`, else the local server
 * (127.0.0.1:5432, trust auth, database `test`). Every test gets its own schema, named in
 * the URL's `search_path`. Schemas are left for the test's servers and CLI processes to use to
 * the end; each run drops those that earlier runs left more than an hour ago.
 *
 * Unreachable: with CI=true that is a failure (the file throws when it loads); elsewhere the
 * PostgreSQL tests are skipped with the reason printed once.
 */
import { describe } from 'bun:test'
import postgres from 'postgres'

export const PG_URL = process.env.GATEWAY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'

const SCHEMA_PREFIX = 'gw_'
const STALE_MS = 60 * 60 * 1000

async function probe(): Promise<string | undefined> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    const old = await sql`SELECT nspname FROM pg_namespace WHERE nspname LIKE ${`${SCHEMA_PREFIX}%`}`
    for (const { nspname } of old) {
      const stamp = parseInt(String(nspname).split('_').at(-2) ?? '', 36)
      if (Number.isFinite(stamp) && Date.now() - stamp > STALE_MS) await sql`DROP SCHEMA IF EXISTS ${sql(nspname)} CASCADE`.catch(() => {})
    }
    return undefined
  } catch (error) {
    return (error as Error).message || String(error)
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {})
  }
}

const unreachable = await probe()
if (unreachable !== undefined) {
  const where = PG_URL.replace(/:[^:@/]*@/, ':***@')
  if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${where} is unreachable and CI=true, so this is a failure, not a skip: ${unreachable}`)
  console.warn(`skipping PostgreSQL tests: ${where} is unreachable (${unreachable}); set GATEWAY_TEST_PG_URL or start the server`)
}

export const pgAvailable = unreachable === undefined
/** `describe` when PostgreSQL answers, `describe.skip` otherwise (never under CI=true: that throws above). */
export const describePg = pgAvailable ? describe : describe.skip

/** A URL whose search_path is a fresh schema (created by the store's migration on first open). */
export function freshPgUrl(label = 't'): string {
  const schema = `${SCHEMA_PREFIX}${label.replace(/\W/g, '_').slice(0, 20)}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase()
  const url = new URL(PG_URL)
  url.searchParams.set('search_path', schema)
  return url.toString()
}

/** A plain connection to the schema in `url`, for tests that look at or tamper with rows. */
export function rawSql(url: string) {
  return postgres(url, { max: 1, onnotice: () => {} })
}
