/**
 * A real PostgreSQL for the store tests: `GATEWAY_TEST_PG_URL`, else the local server
 * (127.0.0.1:5432, trust auth, database `test`). Every test gets its own schema, named in
 * the URL's `search_path`, and the schemas are dropped when the file's tests end.
 *
 * Unreachable: with CI=true that is a failure (the file throws when it loads); elsewhere the
 * PostgreSQL tests are skipped with the reason printed once.
 */
import { afterAll, describe } from 'bun:test'
import postgres from 'postgres'

export const PG_URL = process.env.GATEWAY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'

async function probe(): Promise<string | undefined> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
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

const schemas: string[] = []
let dropRegistered = false

/** A URL whose search_path is a fresh schema (created by the store's migration on first open). */
export function freshPgUrl(label = 't'): string {
  const schema = `gw_${label.replace(/\W/g, '_').slice(0, 20)}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase()
  schemas.push(schema)
  if (!dropRegistered) {
    dropRegistered = true
    afterAll(dropSchemas)
  }
  const url = new URL(PG_URL)
  url.searchParams.set('search_path', schema)
  return url.toString()
}

export async function dropSchemas(): Promise<void> {
  if (!pgAvailable || schemas.length === 0) return
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    for (const schema of schemas.splice(0)) await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** A plain connection to the schema in `url`, for tests that look at or tamper with rows. */
export function rawSql(url: string) {
  return postgres(url, { max: 1, onnotice: () => {} })
}
