/**
 * What a failed SQLite store does with the writes it committed but will not acknowledge, so
 * that nothing answered 503 is ever delivered and nothing acknowledged is lost:
 * - its WAL was deleted: SQLite still holds the deleted file open, so its frames are
 *   checkpointed into the main file, which a restart reads. Every committed write is then
 *   durable after all, and its waiters are answered 200;
 * - its main file was deleted or replaced: the unacknowledged rows are removed, then a copy of
 *   the store as this process sees it is written next to the old path for the operator;
 * - anything else (an fsync error): the unacknowledged rows are removed.
 */
import type { DatabaseSync } from 'node:sqlite'

export interface RescueOutcome {
  /** True when every committed write was made durable (the WAL checkpoint). */
  durable: boolean
  /** For the log line: what was rescued, or why it could not be. */
  fields: Record<string, unknown>
}

export function rescueAfterFailure(db: DatabaseSync, dbPath: string | undefined, gone: 'db' | 'wal' | undefined, unacknowledged: number[]): RescueOutcome {
  const fields: Record<string, unknown> = {}
  let durable = false
  try {
    if (gone === 'wal' && dbPath) {
      const row = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number } | undefined
      durable = row?.busy === 0
      fields.rescue = durable ? `the deleted write-ahead log was checkpointed into ${dbPath}` : 'the checkpoint of the deleted write-ahead log was blocked'
    } else if (gone === 'db' && dbPath) {
      forget(db, unacknowledged)
      // The open connection still reads the old file: keep a copy that a restart can use.
      const copy = `${dbPath}.rescued-${new Date().toISOString().replace(/[:.]/g, '-')}`
      db.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`)
      fields.rescue = `a copy of the store as this process saw it was written to ${copy}: stop the gateway, move the copy to store.path, delete the old -wal and -shm files next to it, and start again`
    } else {
      forget(db, unacknowledged)
    }
  } catch (error) {
    fields.rescueFailed = (error as Error).message
  }
  return { durable, fields }
}

/** Removes events (and their deliveries) that were committed but will be answered 503. */
function forget(db: DatabaseSync, seqs: number[]): void {
  if (seqs.length === 0) return
  const deliveries = db.prepare('DELETE FROM deliveries WHERE event_seq = ?')
  const events = db.prepare('DELETE FROM events WHERE seq = ?')
  try {
    db.exec('BEGIN IMMEDIATE')
    for (const seq of seqs) {
      deliveries.run(seq)
      events.run(seq)
    }
    db.exec('COMMIT')
  } catch {
    if (db.isTransaction) db.exec('ROLLBACK')
  }
}
