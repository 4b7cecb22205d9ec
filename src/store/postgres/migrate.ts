/**
 * The PostgreSQL store's schema: versioned migrations, run under an advisory lock so instances
 * may start together. Each is an SQL file, ./migrations/001.sql, 002.sql, …, read when it is applied.
 */
import { readFileSync } from 'node:fs'
import { GatewayError } from '../../errors.ts'
import type { Sql } from './connect.ts'

/** Every migration's version, oldest first. A new one adds its file and its number here. */
const VERSIONS = [1, 2, 3]

function migrationSql(version: number): string {
  return readFileSync(new URL(`./migrations/${String(version).padStart(3, '0')}.sql`, import.meta.url), 'utf8')
}

/** Applies the migrations the schema lacks; returns the schema's name (created if search_path names one that does not exist). */
export async function migrate(sql: Sql): Promise<string> {
  const latest = VERSIONS[VERSIONS.length - 1]!
  return sql.begin(async (tx) => {
    // One migrator per database at a time; the others wait here, then find nothing to do.
    await tx`SELECT pg_advisory_xact_lock(hashtext('tencent-callback-gateway:migrate'))`
    let [{ schema }] = await tx<[{ schema: string | null }]>`SELECT current_schema() AS schema`
    if (!schema) {
      // search_path names a schema that does not exist yet: create the first one it names.
      const [{ search_path: path }] = await tx<[{ search_path: string }]>`SHOW search_path`
      const first = path
        .split(',')[0]!
        .trim()
        .replace(/^"(.*)"$/, '$1')
      if (!first || first === '$user') throw new GatewayError('PostgreSQL search_path names no schema the store can use', 'STORE_OPEN', 1)
      await tx`CREATE SCHEMA IF NOT EXISTS ${tx(first)}`
      ;[{ schema }] = await tx<[{ schema: string }]>`SELECT current_schema() AS schema`
    }
    await tx`CREATE TABLE IF NOT EXISTS gateway_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
    const done = new Set((await tx<Array<{ version: number }>>`SELECT version FROM gateway_migrations`).map((r) => r.version))
    const newest = Math.max(0, ...done)
    if (newest > latest) {
      throw new GatewayError(
        `PostgreSQL schema "${schema}" holds store migration ${newest}; this version knows up to ${latest}. Run the newer version, or use another schema.`,
        'STORE_SCHEMA',
        1,
      )
    }
    for (const version of VERSIONS) {
      if (done.has(version)) continue
      await tx.unsafe(migrationSql(version))
      await tx`INSERT INTO gateway_migrations (version) VALUES (${version})`
    }
    return schema!
  })
}
