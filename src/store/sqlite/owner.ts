/**
 * One serving process per SQLite store. Each gateway keeps its queues and claims in memory,
 * so two gateways on one file would both deliver every event. The serving process holds a
 * lock on a small side file (`<store>.lock`) for as long as it runs; a second `serve` on the
 * same store is refused with the holder's pid. The CLI (`dlq`, `stats`, `validate`) does not
 * take the lock, so it works next to a running server.
 *
 * The lock is SQLite's own: a read transaction held open on the side file keeps a POSIX
 * advisory lock, which the kernel drops when the process dies, so a SIGKILLed gateway never
 * blocks its restart. A contender's `BEGIN EXCLUSIVE` fails while the lock is held, and it can
 * still read who holds it (readers do not block readers).
 */
import { hostname } from 'node:os'
import { DatabaseSync } from 'node:sqlite'
import { GatewayError } from '../../errors.ts'

export interface StoreOwnership {
  readonly lockPath: string
  release(): void
}

interface OwnerRow {
  pid: number
  host: string
  started_at: number
  nonce: string
}

/** Another process serves from this store. The CLI exits 1 with this message. */
export class StoreInUseError extends GatewayError {
  override name = 'StoreInUseError'
  constructor(message: string) {
    super(message, 'STORE_IN_USE', 1)
  }
}

function holderText(row: OwnerRow | undefined): string {
  if (!row) return 'another process'
  const since = new Date(row.started_at).toISOString()
  return `another gateway (pid ${row.pid}${row.host !== hostname() ? ` on ${row.host}` : ''}, serving since ${since})`
}

function inUse(storePath: string, lockPath: string, row: OwnerRow | undefined): StoreInUseError {
  return new StoreInUseError(
    `store ${storePath} is in use by ${holderText(row)}. Stop that gateway first, or give this one its own store.path. ` +
      `(The lock on ${lockPath} is held only while that process runs.)`,
  )
}

/**
 * Takes the store's ownership lock, or throws StoreInUseError naming the holder. The lock sits
 * next to `realPath`, the file behind any symlink, so two paths to one file share one lock.
 */
export function claimStore(storePath: string, realPath = storePath): StoreOwnership {
  const lockPath = `${realPath}.lock`
  const db = new DatabaseSync(lockPath)
  const nonce = crypto.randomUUID()
  const readOwner = () => db.prepare('SELECT pid, host, started_at, nonce FROM owner WHERE k = 1').get() as OwnerRow | undefined
  try {
    // Two gateways starting at the same moment may both create the table: wait briefly for that.
    db.exec('PRAGMA busy_timeout = 500')
    db.exec(
      'CREATE TABLE IF NOT EXISTS owner (k INTEGER PRIMARY KEY CHECK (k = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, started_at INTEGER NOT NULL, nonce TEXT NOT NULL)',
    )
    db.exec('PRAGMA busy_timeout = 0')
    try {
      db.exec('BEGIN EXCLUSIVE')
    } catch {
      throw inUse(storePath, lockPath, readOwner())
    }
    db.prepare('INSERT OR REPLACE INTO owner (k, pid, host, started_at, nonce) VALUES (1, ?, ?, ?, ?)').run(process.pid, hostname(), Date.now(), nonce)
    db.exec('COMMIT')
    // From here on the open read transaction holds the lock. Between COMMIT and this read
    // another process may have written its own row: whoever's row is there now, while a
    // reader holds the file, owns it (nobody can write it until every reader is gone).
    db.exec('BEGIN')
    const row = readOwner()
    if (row?.nonce !== nonce) throw inUse(storePath, lockPath, row)
  } catch (error) {
    try {
      db.close()
    } catch {
      // Already unusable: nothing to release.
    }
    if (error instanceof StoreInUseError) throw error
    throw new GatewayError(`cannot lock the store ${storePath} (lock file ${lockPath}): ${(error as Error).message}`, 'STORE_LOCK', 1, { cause: error })
  }
  return {
    lockPath,
    // Holding `db` here also keeps it reachable: a collected connection would drop the lock.
    release() {
      try {
        if (db.isOpen) db.close()
      } catch {
        // Closing releases the lock; the process exiting does too.
      }
    },
  }
}
