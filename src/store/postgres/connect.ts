/** The connection pool that every part of the PostgreSQL store shares. */
import postgres from 'postgres'

export type Sql = postgres.Sql

export function connect(url: string, maxConnections: number): Sql {
  return postgres(url, {
    max: maxConnections,
    onnotice: () => {},
    connect_timeout: 10,
    // Errors must not echo the URL (it may hold a password): postgres.js never does.
    connection: { application_name: 'tencent-callback-gateway' },
  })
}
