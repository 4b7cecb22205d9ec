/**
 * Retention for the SQLite store: done deliveries and finished events received before a cut-off
 * are deleted, a chunk at a time, with a turn of the event loop between chunks.
 *
 * One statement per table, as before, held the serving thread for the whole delete: 266 ms for
 * 100,000 events (two deliveries each), so an hour of callbacks at 2,000/s (7.2 million) would
 * have stopped every answer for about 20 s, and Tencent gives up after 2 s. A chunk here is
 * CHUNK events read in rowid order (a range of the primary key, never a scan), their done
 * deliveries (through the deliveries_event index) with their attempts, and then those of them
 * left without any delivery, with their search entries: about 3 ms.
 *
 * Events are stored in arrival order, so `received_at` grows with `seq`, except that a Before
 * callback is stored when its decision is made (up to its budget later). The walk stops at the
 * first chunk that reaches the cut-off; an older event just past it is pruned the next hour.
 *
 * The newest event is never deleted. SQLite gives a new row the highest rowid plus one, so once
 * the top rows were gone a new event would take a seq already used in this process: below the
 * writer's durable watermark (handed out before its sync) and below the search index's progress
 * (never indexed).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'

/** Events per chunk. */
const CHUNK = 1000

export class SqlitePrune {
  #page: StatementSync
  #deliveries: StatementSync
  #events: StatementSync
  #top: StatementSync
  #attempts: StatementSync
  #search: StatementSync

  constructor(db: DatabaseSync) {
    this.#page = db.prepare('SELECT seq, received_at FROM events WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ?')
    this.#top = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events')
    // The chunk's bounds as (first, last] seq, with the cut-off.
    const done = "SELECT id FROM deliveries WHERE event_seq > ? AND event_seq <= ? AND status = 'done' AND updated_at < ?"
    this.#attempts = db.prepare(`DELETE FROM attempts WHERE delivery_id IN (${done})`)
    this.#deliveries = db.prepare(`DELETE FROM deliveries WHERE id IN (${done})`)
    this.#events = db.prepare(
      'DELETE FROM events WHERE seq > ? AND seq <= ? AND received_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq) RETURNING seq',
    )
    this.#search = db.prepare('DELETE FROM event_search WHERE rowid = ?')
  }

  /**
   * Deletes what `before` (Unix ms) retires; returns the rows deleted. `stop` is asked between
   * chunks (the store closed or failed meanwhile).
   */
  async run(before: number, stop: () => boolean): Promise<number> {
    let removed = 0
    let after = 0
    const top = Number((this.#top.get() as { seq: number }).seq)
    for (;;) {
      if (stop()) return removed
      const rows = this.#page.all(after, top, CHUNK) as Array<{ seq: number; received_at: number }>
      if (rows.length === 0) return removed
      const last = Number(rows[rows.length - 1]!.seq)
      this.#attempts.run(after, last, before)
      removed += Number(this.#deliveries.run(after, last, before).changes)
      const gone = this.#events.all(after, last, before) as Array<{ seq: number }>
      removed += gone.length
      for (const { seq } of gone) this.#search.run(seq)
      after = last
      if (rows.length < CHUNK || rows.some((row) => Number(row.received_at) >= before)) return removed
      // Let the callbacks that arrived meanwhile be answered before the next chunk.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
