/**
 * One SQLite commit of the group-commit writer (commit.ts): a batch of writes (events with their
 * delivery rows, and delivery outcomes) in one transaction, and the highest event rowid committed.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { ClaimedDelivery, NewEvent } from '../store.ts'

export type SqlParams = Array<string | number | null>
/** An event with its delivery rows, or statements run as one write (a delivery outcome and its attempt). */
export type Write = { kind: 'event'; event: NewEvent } | { kind: 'sql'; statements: Array<[StatementSync, SqlParams]> }

export class BatchTransaction {
  #db: DatabaseSync
  #statements: Record<'insertEvent' | 'insertDelivery' | 'begin' | 'commit' | 'rollback', StatementSync>
  #committedSeq: number

  constructor(db: DatabaseSync) {
    this.#db = db
    const top = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').get() as { seq: number }
    this.#committedSeq = Number(top.seq)
    this.#statements = {
      insertEvent: db.prepare(
        'INSERT INTO events (id, command, sdk_app_id, received_at, client_ip, opt_platform, body, dedup_key, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertDelivery: db.prepare('INSERT INTO deliveries (event_seq, plugin, next_at, updated_at) VALUES (?, ?, ?, ?)'),
      // Prepared once: exec() would parse these on every commit.
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    }
  }

  /** The highest event rowid committed so far (the file's highest at start). */
  get committedSeq(): number {
    return this.#committedSeq
  }

  /**
   * Writes `writes` in one transaction; throws (after rolling back) if any write fails. Returns
   * each write's event rowid (-1 for an outcome), the plugin instances that got new work, and
   * the new delivery rows as they would be claimed (handed to the claims once durable, so a
   * lane need not read back what was just written: claims.ts).
   */
  run(writes: Write[]): { seqs: number[]; plugins: string[]; fresh: ClaimedDelivery[] } {
    const { insertEvent, insertDelivery, begin, commit, rollback } = this.#statements
    const plugins: string[] = []
    const seqs: number[] = []
    const fresh: ClaimedDelivery[] = []
    const committedBefore = this.#committedSeq
    begin.run()
    try {
      for (const write of writes) {
        if (write.kind === 'sql') {
          for (const [statement, params] of write.statements) statement.run(...params)
          seqs.push(-1)
          continue
        }
        const e = write.event
        const { lastInsertRowid } = insertEvent.run(
          e.id,
          e.command,
          e.sdkAppId,
          e.receivedAt,
          e.clientIp ?? null,
          e.optPlatform ?? null,
          e.body,
          e.dedupKey ?? null,
          e.decision ?? null,
        )
        seqs.push(Number(lastInsertRowid))
        if (Number(lastInsertRowid) > this.#committedSeq) this.#committedSeq = Number(lastInsertRowid)
        if (e.targets.length === 0) continue
        // One object for all of the event's deliveries, as a claim query would build it.
        const stored = {
          id: e.id,
          command: e.command,
          sdkAppId: e.sdkAppId,
          receivedAt: e.receivedAt,
          clientIp: e.clientIp,
          optPlatform: e.optPlatform,
          body: e.body,
          decision: e.decision,
        }
        for (const plugin of e.targets) {
          const delivery = insertDelivery.run(lastInsertRowid, plugin, e.receivedAt, e.receivedAt)
          plugins.push(plugin)
          fresh.push({ id: Number(delivery.lastInsertRowid), plugin, attempts: 0, event: stored })
        }
      }
      commit.run()
    } catch (error) {
      if (this.#db.isTransaction) rollback.run()
      // Rolled back: rowids above the last commit are free again.
      this.#committedSeq = committedBefore
      throw error
    }
    return { seqs, plugins, fresh }
  }
}
