/**
 * The id search index of the SQLite store (docs/design.md §10): each event's payload values
 * (search-terms.ts), one FTS5 token each, in the contentless table `event_search` under the
 * event's seq. It is filled in the background, a chunk of events at a time, never on the path
 * of an answer: an FTS5 insert costs about 10 µs an event. `search_state.indexed_seq` says how
 * far it got, in the same transaction; searches scan the events above it (event-log.ts).
 * Retention deletes an event's entry with the event (prune.ts).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { unrefTimer } from '../../timeout.ts'
import { searchTerms, searchToken } from '../search-terms.ts'

/** Events indexed per transaction. */
const CHUNK = 500
/** How often new events are indexed. */
const EVERY_MS = 500

export class SearchIndex {
  #db: DatabaseSync
  #indexedSeq: number
  #durableSeq: () => number
  #page: StatementSync
  #insert: StatementSync
  #progress: StatementSync
  #timer: ReturnType<typeof setInterval> | undefined
  #running: Promise<void> | undefined
  #stopped = false

  #active: () => boolean

  /** `active`: false once the store failed or closed; nothing more is indexed then. */
  constructor(db: DatabaseSync, durableSeq: () => number, active: () => boolean) {
    this.#db = db
    this.#durableSeq = durableSeq
    this.#active = active
    const state = db.prepare('SELECT indexed_seq FROM search_state WHERE id = 1').get() as { indexed_seq: number } | undefined
    // Never above the newest event: a store whose newest events were pruned by an older version
    // reuses their seqs, and those events must still be indexed.
    const top = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').get() as { seq: number }
    this.#indexedSeq = Math.min(Number(state?.indexed_seq ?? 0), Number(top.seq))
    this.#page = db.prepare('SELECT seq, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
    this.#insert = db.prepare('INSERT INTO event_search (rowid, terms) VALUES (?, ?)')
    this.#progress = db.prepare('INSERT INTO search_state (id, indexed_seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET indexed_seq = excluded.indexed_seq')
  }

  /** Events up to this seq are in the index. */
  get indexedSeq(): number {
    return this.#indexedSeq
  }

  /** Indexes in the background from now on. */
  start(): void {
    this.#timer ??= unrefTimer(setInterval(() => void this.catchUp(), EVERY_MS))
    void this.catchUp()
  }

  /** Indexes every durable event not indexed yet, a chunk per turn of the event loop. */
  catchUp(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined))
    return this.#running
  }

  async #run(): Promise<void> {
    while (!this.#stopped && this.#active()) {
      const rows = this.#page.all(this.#indexedSeq, this.#durableSeq(), CHUNK) as Array<{ seq: number; body: string }>
      if (rows.length === 0) return
      try {
        this.#db.exec('BEGIN IMMEDIATE')
        for (const row of rows) {
          const terms = searchTerms(row.body)
          if (terms.length) this.#insert.run(Number(row.seq), terms.map(searchToken).join(' '))
        }
        const last = Number(rows[rows.length - 1]!.seq)
        this.#progress.run(last)
        this.#db.exec('COMMIT')
        this.#indexedSeq = last
      } catch {
        // Another process holds the lock (a CLI command), or the store failed: try on the next tick.
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
        return
      }
      if (rows.length < CHUNK) return
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#running
  }
}
