/**
 * The embedded store: SQLite through `node:sqlite`, which Bun and Deno both provide. One
 * serving process owns a store file (owner.ts); its queues and claims live in memory.
 * Writes go through the group-commit writer (commit.ts), which also holds the store's
 * failure state; claims are claims.ts; the dedup window, which also recalls decisions, is
 * dedup-window.ts.
 *
 * `sync: full` (the default) is WAL with `synchronous=NORMAL` plus the writer's own WAL
 * fdatasync before anything is acknowledged: it survives power loss. NORMAL (not OFF) keeps
 * SQLite's own syncs where WAL needs them: the WAL header when the WAL restarts, the
 * directory when the WAL is created, the WAL before and the database after a checkpoint.
 * `sync: normal` is plain WAL with `synchronous=NORMAL`: it survives a killed process, not a
 * power loss.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { StoreConfig } from '../../config/schema.ts'
import { GatewayError } from '../../errors.ts'
import { clipError, deadLetterFromRow, queueStatsFromRow } from '../rows.ts'
import { SqliteClaims } from './claims.ts'
import { SqliteCommitter } from './commit.ts'
import { DedupWindow, type DedupRow } from './dedup-window.ts'
import { StoreFiles } from './files.ts'
import { claimStore, type StoreOwnership } from './owner.ts'
import { SqlitePrune } from './prune.ts'
import { SqliteEventLog } from './event-log.ts'
import { SearchIndex } from './search-index.ts'
import { ActivityCounter } from '../activity.ts'
import type { ActivityMinute, AttemptOutcome, AttemptTiming, EventDetail, EventPage, EventQuery } from '../event-log.ts'
import { opening, openDatabase, realStorePath } from './schema.ts'
import type { SqlParams } from './transaction.ts'
import type {
  AppendResult,
  ClaimedDelivery,
  ClaimOptions,
  DeadLetter,
  DeadLetterSelector,
  DeliveryStatus,
  DeliveryStore,
  NewEvent,
  QueueStats,
} from '../store.ts'

/**
 * Queue depths per plugin instance. It reads the pending and the dead rows only, each through its
 * partial index, never the done rows kept for retention: /metrics runs it on the serving thread at
 * every scrape, and the full scan it replaced took 45 ms per 600,000 rows. The oldest pending
 * event is the one with the lowest seq (events are stored in arrival order).
 */
export const STATS_SQL = `SELECT plugin, pending, dead, (SELECT received_at FROM events WHERE seq = first) AS oldest
  FROM (SELECT plugin, SUM(pending) AS pending, SUM(dead) AS dead, MIN(first) AS first
        FROM (SELECT plugin, COUNT(*) AS pending, 0 AS dead, MIN(event_seq) AS first FROM deliveries WHERE status = 'pending' GROUP BY plugin
              UNION ALL
              SELECT plugin, 0, COUNT(*), NULL FROM deliveries WHERE status = 'dead' GROUP BY plugin)
        GROUP BY plugin)
  ORDER BY plugin`

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  path: string
  /** full: survives power loss; normal: survives a killed process. @default 'full' */
  sync?: StoreConfig['sync']
  /** Same dedup key within this window is a duplicate; 0 turns dedup off. @default 0 */
  dedupWindowMs?: number
  /** How long a write waits for a lock held by another process (the CLI) before 503. @default 1000 */
  busyTimeoutMs?: number
  /**
   * This process serves from the store: it takes the store's ownership lock (one serving
   * process per file) and never blocks its thread waiting for another process's lock.
   * @default false
   */
  serve?: boolean
  /** Create the file when it does not exist. The CLI passes false. @default true */
  create?: boolean
  /** Told when the store stops acknowledging, with the reason. */
  warn?: (message: string, fields?: Record<string, unknown>) => void
  /**
   * Keep the id search index filled in the background (search-index.ts): the admin console's
   * search. Only a serving store indexes. @default false
   */
  searchIndex?: boolean
}

export class SqliteStore implements DeliveryStore {
  readonly kind = 'sqlite'
  #db: DatabaseSync
  #writer: SqliteCommitter
  #files: StoreFiles | undefined
  #owner: StoreOwnership | undefined
  #listeners: Array<(plugins: Set<string>) => void> = []
  #releaseListeners: Array<(plugin: string) => void> = []
  /** Claims live in memory: one process owns an SQLite file's queues. */
  #claims: SqliteClaims
  #closed = false
  #statements: Record<string, StatementSync>
  #dedup: DedupWindow | undefined
  #prune: SqlitePrune | undefined
  #search: SearchIndex | undefined
  #events: SqliteEventLog
  #activity = new ActivityCounter()

  constructor(options: SqliteStoreOptions) {
    const { path } = options
    const memory = path === ':memory:'
    if (!memory && options.create === false && !existsSync(path)) {
      throw new GatewayError(`no store at ${path}: nothing has been stored with this config yet, or store.path points elsewhere`, 'STORE_MISSING', 1)
    }
    if (!memory) mkdirSync(dirname(path), { recursive: true })
    // Claimed before the file is opened: a second server must not even run the start-up checkpoint.
    if (options.serve && !memory) this.#owner = claimStore(path, realStorePath(path))
    const waitMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 1000))
    try {
      this.#db = opening(path, () => openDatabase(path, waitMs))
      // A server waits for other processes' locks with timers (commit.ts), never by
      // sleeping on its thread; the CLI may block.
      if (options.serve) this.#db.exec('PRAGMA busy_timeout = 0')
      // SQLite resolves symlinks; take the file's real path (and so the WAL's) from SQLite.
      const main = (this.#db.prepare('PRAGMA database_list').all() as Array<{ name: string; file: string }>).find((d) => d.name === 'main')
      const realPath = main?.file || path
      this.#files = memory ? undefined : opening(path, () => new StoreFiles(realPath, `${realPath}-wal`))
    } catch (error) {
      this.#owner?.release()
      throw error
    }
    const db = this.#db
    this.#writer = new SqliteCommitter({
      db,
      files: this.#files,
      syncWal: options.sync !== 'normal' && !memory,
      lockWaitMs: waitMs,
      warn: options.warn,
      onCommitted: (plugins, fresh) => {
        // Before the lanes wake: what they claim now comes from memory (claims.ts).
        this.#claims.offer(fresh)
        for (const listener of this.#listeners) listener(plugins)
      },
    })
    this.#statements = {
      complete: db.prepare("UPDATE deliveries SET status = 'done', attempts = attempts + 1, updated_at = ? WHERE id = ?"),
      retry: db.prepare(
        'UPDATE deliveries SET attempts = attempts + 1, next_at = ?, first_error = COALESCE(first_error, ?), last_error = ?, updated_at = ? WHERE id = ?',
      ),
      bury: db.prepare(
        "UPDATE deliveries SET status = 'dead', attempts = attempts + 1, first_error = COALESCE(first_error, ?), last_error = ?, updated_at = ? WHERE id = ?",
      ),
      nextDue: db.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE plugin = ? AND status = 'pending' AND next_at > ?"),
      attempt: db.prepare('INSERT INTO attempts (delivery_id, at, ms, outcome, error) VALUES (?, ?, ?, ?, ?)'),
      indexedSeq: db.prepare('SELECT indexed_seq FROM search_state WHERE id = 1'),
    }
    if (options.searchIndex && options.serve) {
      this.#search = new SearchIndex(
        db,
        () => this.#writer.durableSeq,
        () => !this.#closed && !this.failed,
      )
      this.#search.start()
    }
    // Another process (the CLI) reads how far the serving process indexed.
    this.#events = new SqliteEventLog(
      db,
      () => this.#search?.indexedSeq ?? Number((this.#statements.indexedSeq.get() as { indexed_seq?: number } | undefined)?.indexed_seq ?? 0),
    )
    this.#claims = new SqliteClaims(db)
    const windowMs = options.dedupWindowMs ?? 0
    if (windowMs > 0) {
      this.#dedup = new DedupWindow(windowMs)
      this.#dedup.load(db.prepare('SELECT dedup_key, received_at, decision FROM events ORDER BY seq DESC').iterate() as Iterable<DedupRow>)
    }
  }

  append(event: NewEvent): Promise<AppendResult> {
    const key = this.#dedup ? event.dedupKey : undefined
    const stored =
      key === undefined
        ? this.#writer.enqueue({ kind: 'event', event })
        : this.#dedup!.append(key, event.receivedAt, event.decision, () => this.#writer.enqueue({ kind: 'event', event }))
    return stored.then((result) => {
      if (result === 'stored') this.#activity.callback()
      return result
    })
  }

  /** From memory (the dedup window); waits for a first copy still committing. */
  async recallDecision(dedupKey: string, receivedAt: number): Promise<string | undefined> {
    return this.#dedup?.recall(dedupKey, receivedAt)
  }

  onAppended(listener: (plugins: Set<string>) => void): void {
    this.#listeners.push(listener)
  }

  onReleased(listener: (plugin: string) => void): void {
    this.#releaseListeners.push(listener)
  }

  /** True once the store acknowledges nothing more until a restart (an fsync failed, its file was deleted). */
  get failed(): boolean {
    return this.#writer.failure !== undefined
  }

  async claimDue(plugin: string, options: ClaimOptions): Promise<ClaimedDelivery[]> {
    // A failed store delivers nothing: it may hold writes that were answered 503. Otherwise only
    // events already synced are handed out: a row committed but not yet acknowledged may still
    // be answered 503 (its sync failing) and must never reach a plugin first.
    if (this.#closed || options.limit <= 0 || this.failed) return []
    return this.#claims.claim(plugin, options, this.#writer.durableSeq)
  }

  async nextDueAt(plugin: string, after: number): Promise<number | undefined> {
    if (this.#closed) return undefined
    const row = this.#statements.nextDue.get(plugin, after) as { at: number | null } | undefined
    return row?.at ?? undefined
  }

  /**
   * Records an outcome. If it cannot be written the claim stays, so the delivery is not handed
   * out again: the dispatcher holds the outcome and writes it again later, or releases it.
   */
  async #settle(id: number, statement: StatementSync, params: SqlParams, outcome: AttemptOutcome, timing?: AttemptTiming, error?: string): Promise<void> {
    const at = timing?.at ?? Date.now()
    await this.#writer.enqueue({
      kind: 'sql',
      statements: [
        [statement, params],
        [this.#statements.attempt, [id, at, timing?.ms ?? 0, outcome, error ?? null]],
      ],
    })
    this.#activity.outcome(outcome, at)
    this.#unclaim(id)
  }

  /** Drops a claim and wakes its queue: an ordered lane may be waiting for exactly this head. */
  #unclaim(id: number): void {
    const plugin = this.#claims.unclaim(id)
    if (plugin === undefined) return
    for (const listener of this.#releaseListeners) listener(plugin)
  }

  complete(id: number, timing?: AttemptTiming): Promise<void> {
    return this.#settle(id, this.#statements.complete, [Date.now(), id], 'done', timing)
  }

  retry(id: number, nextAt: number, error: string, timing?: AttemptTiming): Promise<void> {
    const text = clipError(error)
    return this.#settle(id, this.#statements.retry, [nextAt, text, text, Date.now(), id], 'retry', timing, text)
  }

  bury(id: number, error: string, timing?: AttemptTiming): Promise<void> {
    const text = clipError(error)
    return this.#settle(id, this.#statements.bury, [text, text, Date.now(), id], 'dead', timing, text)
  }

  /** Resolves once every event committed so far is in the search index (tests, benchmarks). */
  async searchCaughtUp(): Promise<void> {
    await this.#search?.catchUp()
  }

  async listEvents(query: EventQuery): Promise<EventPage> {
    return this.#events.listEvents(query)
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    return this.#events.getEvent(id)
  }

  /** Counted in memory by this process since it started (activity.ts). */
  async activity(since: number): Promise<ActivityMinute[]> {
    return this.#activity.minutes(since)
  }

  async release(id: number): Promise<void> {
    const plugin = this.#claims.unclaim(id)
    if (plugin === undefined) return
    // Due again and in no memory: the queue's next claim reads the table.
    this.#claims.forget(plugin)
    for (const listener of this.#releaseListeners) listener(plugin)
  }

  async listDead(plugin?: string): Promise<DeadLetter[]> {
    const rows = this.#db
      .prepare(
        `SELECT d.id, d.plugin, e.id AS event_id, d.attempts, d.first_error, d.last_error, d.updated_at, e.command, e.received_at
         FROM deliveries d JOIN events e ON e.seq = d.event_seq
         WHERE d.status = 'dead' AND (? IS NULL OR d.plugin = ?) ORDER BY d.id`,
      )
      .all(plugin ?? null, plugin ?? null) as Record<string, unknown>[]
    return rows.map(deadLetterFromRow)
  }

  #deadWhere(selector: DeadLetterSelector): { sql: string; params: Array<number | string | null> } {
    return {
      sql: "status = 'dead' AND (? IS NULL OR id = ?) AND (? IS NULL OR plugin = ?)",
      params: [selector.id ?? null, selector.id ?? null, selector.plugin ?? null, selector.plugin ?? null],
    }
  }

  async replayDead(selector: DeadLetterSelector): Promise<number> {
    const { sql, params } = this.#deadWhere(selector)
    const now = Date.now()
    const result = this.#db.prepare(`UPDATE deliveries SET status = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE ${sql}`).run(now, now, ...params)
    if (Number(result.changes) > 0) this.#claims.forget()
    return Number(result.changes)
  }

  async purgeDead(selector: DeadLetterSelector): Promise<number> {
    const { sql, params } = this.#deadWhere(selector)
    // Their attempts go too (retention would never find them); the activity counts stay (in memory).
    this.#db.prepare(`DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE ${sql})`).run(...params)
    return Number(this.#db.prepare(`DELETE FROM deliveries WHERE ${sql}`).run(...params).changes)
  }

  async findDelivery(id: number): Promise<{ plugin: string; status: DeliveryStatus } | undefined> {
    const row = this.#db.prepare('SELECT plugin, status FROM deliveries WHERE id = ?').get(id) as { plugin: string; status: DeliveryStatus } | null | undefined
    return row ? { plugin: row.plugin, status: row.status } : undefined
  }

  /** Pending and dead rows only, through their partial indexes (STATS_SQL). */
  async stats(): Promise<QueueStats[]> {
    const rows = this.#db.prepare(STATS_SQL).all() as Record<string, unknown>[]
    return rows.map(queueStatsFromRow)
  }

  /** A chunk at a time, yielding the thread between chunks (prune.ts). */
  async prune(before: number): Promise<number> {
    if (this.failed) return 0
    this.#prune ??= new SqlitePrune(this.#db)
    return this.#prune.run(before, () => this.#closed || this.failed)
  }

  /** Never throws: shutdown must end even when the store's files are gone. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#dedup?.close()
    await this.#search?.stop()
    // Writes already queued (delivery outcomes) still land, and are synced, before the file closes.
    await this.#writer.close().catch(() => {})
    this.#closed = true
    try {
      this.#db.close()
    } catch {
      // Closing a connection whose files were removed can fail; the process is leaving anyway.
    }
    this.#files?.close()
    this.#owner?.release()
  }
}
