/**
 * The embedded store: SQLite through `node:sqlite`, which Bun and Deno both provide.
 *
 * Group commit: `append` and the delivery state changes queue up, and one transaction per
 * event-loop turn writes them all. A request's promise resolves only once its transaction
 * is on disk, so OK is never answered before the event is durable.
 *
 * `sync: full` keeps the fsync off the serving thread. `node:sqlite` is synchronous, and a
 * `synchronous=FULL` commit blocked the thread for its fsync (~1 ms) while Bun handed it one
 * request per task: measured 2.8 events per commit, fsync-bound. Instead the connection runs
 * WAL with `synchronous=NORMAL`, under which a commit writes its frames without syncing, and
 * the store fdatasyncs the WAL file on the threadpool before the commit's waiters resolve. One
 * fdatasync runs at a time; every commit written meanwhile shares the next one. NORMAL (not
 * OFF) keeps SQLite's own syncs where WAL needs them: the WAL header when the WAL restarts,
 * the directory when the WAL is created, the WAL before and the database after a checkpoint,
 * and the close at exit. An fdatasync error is fatal to the store: Linux reports it once and
 * may drop the pages, so nothing after it may be acknowledged (the store answers 503 until a
 * restart recovers from what is really on disk).
 *
 * `sync: normal` is plain WAL with `synchronous=NORMAL`: survives a killed process, not a
 * power loss.
 */
import { fdatasync, fstatSync, mkdirSync, openSync, closeSync } from 'node:fs'
import { promisify } from 'node:util'
import { dirname } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { GatewayError, StoreUnavailableError } from '../errors.ts'
import { claimedFromRow, deadLetterFromRow, queueStatsFromRow } from './rows.ts'
import type { AppendResult, ClaimedDelivery, ClaimOptions, DeadLetter, DeliveryStore, NewEvent, QueueStats } from './store.ts'

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  path: string
  /** full: survives power loss; normal: survives a killed process. @default 'full' */
  sync?: 'full' | 'normal'
  /** Same dedup key within this window is a duplicate; 0 turns dedup off. @default 0 */
  dedupWindowMs?: number
  /** How long a commit waits for a lock held by another process (the CLI). @default 1000 */
  busyTimeoutMs?: number
}

/**
 * Schema version 2. `seq` is the rowid (one B-tree per event; the UUID `id` is a plain column:
 * a TEXT primary key measured 3.2 µs more per insert than an integer one). `dedup_key` is
 * kept with the event so the dedup window can be rebuilt at start.
 */
const SCHEMA_VERSION = 2
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  command TEXT NOT NULL,
  sdk_app_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  client_ip TEXT,
  opt_platform TEXT,
  body TEXT NOT NULL,
  dedup_key TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  first_error TEXT,
  last_error TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (plugin, next_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event_seq);
`

type Write = { kind: 'event'; event: NewEvent } | { kind: 'sql'; statement: StatementSync; params: Array<string | number | null> }

interface Waiter {
  write: Write
  resolve: (result: AppendResult) => void
  reject: (error: Error) => void
  /** Set once the transaction committed; handed to resolve after the WAL is synced. */
  result?: AppendResult
}

/** Expired dedup keys are dropped from memory this often. */
const DEDUP_SWEEP_MS = 60_000
/**
 * The dedup window lives in memory (checked before anything is written) and is rebuilt from
 * the events at start. Past this many keys the oldest go first, which shortens the window
 * rather than growing the process: measured ~270 bytes a key in Bun, so at most ~55 MB.
 * 200,000 covers 333 distinct callbacks a second over the default 600 s window.
 */
const MAX_DEDUP_KEYS = 200_000

const datasync = promisify(fdatasync)

const MAX_ERROR_TEXT = 2000

/** SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock. */
function isBusy(error: unknown): boolean {
  const e = error as { errcode?: number; message?: string }
  return e?.errcode === 5 || e?.errcode === 6 || /database is locked|database table is locked/i.test(e?.message ?? '')
}

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text
}

export class SqliteStore implements DeliveryStore {
  readonly kind = 'sqlite'
  #db: DatabaseSync
  #queue: Waiter[] = []
  #flushScheduled = false
  #listeners: Array<(plugins: Set<string>) => void> = []
  #releaseListeners: Array<(plugin: string) => void> = []
  /** Claims live in memory: one process owns an SQLite file's queues. */
  #claimed = new Map<string, Set<number>>()
  /**
   * Where each queue's current sweep stands, as (next_at, id): a claim query resumes after it
   * instead of reading the claimed rows again. A sweep that reaches the end starts over, so
   * rows released or made due meanwhile are found on the next pass.
   */
  #cursors = new Map<string, [number, number]>()
  #closed = false
  #statements: Record<string, StatementSync>
  #dedupWindowMs: number
  /** Dedup key → receivedAt of the stored event, oldest first (Map keeps insertion order). */
  #recentKeys = new Map<string, number>()
  /** First copies not committed yet: a duplicate shares their fate (never 200 if they fail). */
  #pendingKeys = new Map<string, Promise<AppendResult>>()
  #sweepTimer: ReturnType<typeof setInterval> | undefined
  #path: string
  #walPath = ''
  #asyncSync: boolean
  #walFd: number | undefined
  /** Committed, waiting for the next WAL fdatasync. */
  #unsynced: Waiter[] = []
  #unsyncedPlugins = new Set<string>()
  #syncing: Promise<void> | undefined
  /** Set after an fdatasync error: nothing more is acknowledged until a restart. */
  #failure: StoreUnavailableError | undefined

  constructor(options: SqliteStoreOptions) {
    this.#dedupWindowMs = options.dedupWindowMs ?? 0
    this.#path = options.path
    this.#asyncSync = options.sync !== 'normal' && options.path !== ':memory:'
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    this.#db = new DatabaseSync(options.path)
    this.#db.exec('PRAGMA journal_mode = WAL')
    // full: commits write WAL frames unsynced; the store fdatasyncs the WAL itself (see above)
    // and runs checkpoints itself, so SQLite never checkpoints with syncing off.
    // full: NORMAL plus the store's own WAL fdatasync before answering (see above).
    this.#db.exec('PRAGMA synchronous = NORMAL')
    // The CLI (dlq) may write while the server runs: wait briefly for its lock rather than
    // fail, but well inside Tencent's 2 s answer deadline.
    this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 1000))}`)
    const version = Number((this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
    const hasTables = this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() !== undefined
    if (hasTables && version !== SCHEMA_VERSION) {
      this.#db.close()
      throw new GatewayError(`${options.path} holds store schema version ${version}; this version uses ${SCHEMA_VERSION}. Drain it with the version that wrote it, or move the file away.`, 'STORE_SCHEMA', 1)
    }
    this.#db.exec(SCHEMA)
    this.#db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    // Frames a killed process committed but never synced are visible now (page cache) and
    // would rebuild the dedup window: make them durable before anything is answered from them.
    this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    // SQLite resolves symlinks; take the WAL's path from SQLite, not from our argument.
    const main = (this.#db.prepare('PRAGMA database_list').all() as Array<{ name: string; file: string }>).find((d) => d.name === 'main')
    this.#walPath = `${main?.file || this.#path}-wal`
    const db = this.#db
    this.#statements = {
      insertEvent: db.prepare('INSERT INTO events (id, command, sdk_app_id, received_at, client_ip, opt_platform, body, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertDelivery: db.prepare('INSERT INTO deliveries (event_seq, plugin, next_at, updated_at) VALUES (?, ?, ?, ?)'),
      complete: db.prepare("UPDATE deliveries SET status = 'done', attempts = attempts + 1, updated_at = ? WHERE id = ?"),
      retry: db.prepare(
        'UPDATE deliveries SET attempts = attempts + 1, next_at = ?, first_error = COALESCE(first_error, ?), last_error = ?, updated_at = ? WHERE id = ?',
      ),
      bury: db.prepare(
        "UPDATE deliveries SET status = 'dead', attempts = attempts + 1, first_error = COALESCE(first_error, ?), last_error = ?, updated_at = ? WHERE id = ?",
      ),
      due: db.prepare(`
        SELECT d.id, d.plugin, d.attempts, d.next_at, e.id AS event_id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body
        FROM deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.plugin = ? AND d.status = 'pending' AND d.next_at <= ? AND (d.next_at, d.id) > (?, ?)
        ORDER BY d.next_at, d.id LIMIT ?`),
      head: db.prepare(`
        SELECT d.id, d.plugin, d.attempts, d.next_at, e.id AS event_id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body
        FROM deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.plugin = ? AND d.status = 'pending'
        ORDER BY d.id LIMIT 1`),
      nextDue: db.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE plugin = ? AND status = 'pending' AND next_at > ?"),
      recentKeys: db.prepare('SELECT dedup_key, received_at FROM events ORDER BY seq DESC'),
      // Prepared once: exec() would parse these on every commit.
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    }
    if (this.#dedupWindowMs > 0) {
      this.#loadDedupWindow()
      this.#sweepTimer = setInterval(() => this.#sweepDedup(Date.now()), DEDUP_SWEEP_MS)
      ;(this.#sweepTimer as { unref?: () => void }).unref?.()
    }
  }

  append(event: NewEvent): Promise<AppendResult> {
    const key = this.#dedupWindowMs > 0 ? event.dedupKey : undefined
    if (key !== undefined) {
      const seen = this.#recentKeys.get(key)
      if (seen !== undefined && seen > event.receivedAt - this.#dedupWindowMs) {
        const first = this.#pendingKeys.get(key)
        return first ? first.then(() => 'duplicate') : Promise.resolve('duplicate')
      }
      // Claimed now, synchronously: an identical callback a moment later is a duplicate even
      // though this one is not committed yet. Given back if the commit fails.
      this.#recentKeys.delete(key)
      this.#recentKeys.set(key, event.receivedAt)
      if (this.#recentKeys.size > MAX_DEDUP_KEYS) this.#recentKeys.delete(this.#recentKeys.keys().next().value!)
      const stored = this.#enqueue({ kind: 'event', event }).catch((error: unknown) => {
        if (this.#recentKeys.get(key) === event.receivedAt) this.#recentKeys.delete(key)
        throw error
      })
      this.#pendingKeys.set(key, stored)
      const forget = () => {
        if (this.#pendingKeys.get(key) === stored) this.#pendingKeys.delete(key)
      }
      stored.then(forget, forget)
      return stored
    }
    return this.#enqueue({ kind: 'event', event })
  }

  /** Rebuilds the window from the newest events back to its start. */
  #loadDedupWindow(): void {
    const cutoff = Date.now() - this.#dedupWindowMs
    const found: Array<[string, number]> = []
    for (const row of this.#statements.recentKeys!.iterate() as Iterable<{ dedup_key: string | null; received_at: number }>) {
      if (row.received_at <= cutoff) break
      if (row.dedup_key) found.push([row.dedup_key, row.received_at])
      if (found.length >= MAX_DEDUP_KEYS) break
    }
    for (let i = found.length - 1; i >= 0; i--) this.#recentKeys.set(found[i]![0], found[i]![1])
  }

  #sweepDedup(now: number): void {
    const cutoff = now - this.#dedupWindowMs
    for (const [key, seenAt] of this.#recentKeys) {
      if (seenAt > cutoff) break
      this.#recentKeys.delete(key)
    }
  }

  onAppended(listener: (plugins: Set<string>) => void): void {
    this.#listeners.push(listener)
  }

  onReleased(listener: (plugin: string) => void): void {
    this.#releaseListeners.push(listener)
  }

  #enqueue(write: Write): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('store is closed'))
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject })
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        // After this turn's I/O callbacks, so every request read in this turn joins the batch.
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#flushScheduled = false
    const batch = this.#queue
    this.#queue = []
    if (batch.length === 0) return
    const touched = new Set<string>()
    let committed: Waiter[] = batch
    try {
      const results = this.#commit(batch, touched)
      batch.forEach((waiter, i) => (waiter.result = results[i]!))
    } catch (error) {
      touched.clear()
      committed = []
      if (isBusy(error)) {
        // Another process holds the write lock (a dlq command): redoing each write alone would
        // wait busy_timeout again per write, stalling the thread. Refuse the batch once.
        const failure = new StoreUnavailableError(`store is locked: ${(error as Error).message}`, { cause: error })
        for (const waiter of batch) waiter.reject(failure)
        return
      }
      // One bad write must not fail the others that shared its batch: redo each alone,
      // so only the writes that really cannot commit are refused (with 503 at ingress).
      for (const waiter of batch) {
        try {
          waiter.result = this.#commit([waiter], touched)[0]!
          committed.push(waiter)
        } catch (error) {
          waiter.reject(new StoreUnavailableError(`store commit failed: ${(error as Error).message}`, { cause: error }))
        }
      }
    }
    if (!this.#asyncSync) {
      for (const waiter of committed) waiter.resolve(waiter.result!)
      this.#notify(touched)
      return
    }
    this.#unsynced.push(...committed)
    for (const plugin of touched) this.#unsyncedPlugins.add(plugin)
    this.#syncWal()
  }

  #notify(touched: Set<string>): void {
    if (touched.size) for (const listener of this.#listeners) listener(touched)
  }

  /** One fdatasync of the WAL at a time; commits written meanwhile wait for the next one. */
  #syncWal(): void {
    if (this.#syncing || this.#unsynced.length === 0) return
    const waiters = this.#unsynced
    const touched = this.#unsyncedPlugins
    this.#unsynced = []
    this.#unsyncedPlugins = new Set()
    const fail = (error: Error) => {
      this.#failure ??= new StoreUnavailableError(`store sync failed; restart the gateway to recover: ${error.message}`, { cause: error })
      for (const waiter of waiters) waiter.reject(this.#failure)
    }
    let descriptor: number
    try {
      descriptor = this.#walDescriptor()
    } catch (error) {
      fail(error as Error)
      return
    }
    this.#syncing = datasync(descriptor).then(
      () => {
        if (this.#failure) return fail(this.#failure)
        for (const waiter of waiters) waiter.resolve(waiter.result!)
        this.#notify(touched)
      },
      (error: Error) => fail(error),
    )
    void this.#syncing.finally(() => {
      this.#syncing = undefined
      this.#syncWal()
    })
  }

  /** The WAL file's descriptor, reopened if SQLite replaced the file. */
  #walDescriptor(): number {
    if (this.#walFd !== undefined && fstatSync(this.#walFd).nlink > 0) return this.#walFd
    if (this.#walFd !== undefined) closeSync(this.#walFd)
    this.#walFd = openSync(this.#walPath, 'r')
    return this.#walFd
  }

  /** True while an fdatasync error keeps the store from acknowledging anything. */
  get failed(): boolean {
    return this.#failure !== undefined
  }

  /** Writes `batch` in one transaction; throws (after rolling back) if any write fails. */
  #commit(batch: Waiter[], touched: Set<string>): AppendResult[] {
    const { insertEvent, insertDelivery, begin, commit, rollback } = this.#statements
    const plugins: string[] = []
    const results: AppendResult[] = []
    begin!.run()
    try {
      for (const { write } of batch) {
        if (write.kind === 'sql') {
          write.statement.run(...write.params)
          results.push('stored')
          continue
        }
        const e = write.event
        results.push('stored')
        const { lastInsertRowid: seq } = insertEvent.run(e.id, e.command, e.sdkAppId, e.receivedAt, e.clientIp ?? null, e.optPlatform ?? null, e.body, e.dedupKey ?? null)
        for (const plugin of e.targets) {
          insertDelivery.run(seq, plugin, e.receivedAt, e.receivedAt)
          plugins.push(plugin)
        }
      }
      commit!.run()
    } catch (error) {
      if (this.#db.isTransaction) rollback!.run()
      throw error
    }
    for (const plugin of plugins) touched.add(plugin)
    return results
  }

  #claims(plugin: string): Set<number> {
    let set = this.#claimed.get(plugin)
    if (!set) this.#claimed.set(plugin, (set = new Set()))
    return set
  }

  async claimDue(plugin: string, { now, limit, ordered }: ClaimOptions): Promise<ClaimedDelivery[]> {
    if (this.#closed || limit <= 0) return []
    const claims = this.#claims(plugin)
    if (ordered) {
      const head = this.#statements.head.get(plugin) as Record<string, unknown> | undefined
      if (!head || claims.has(Number(head.id)) || Number(head.next_at) > now) return []
      claims.add(Number(head.id))
      return [claimedFromRow(head)]
    }
    const out: ClaimedDelivery[] = []
    let cursor = this.#cursors.get(plugin) ?? [-Infinity, 0]
    for (let pass = 0; out.length < limit && pass < 2; ) {
      const rows = this.#statements.due.all(plugin, now, cursor[0], cursor[1], limit) as Record<string, unknown>[]
      for (const row of rows) {
        cursor = [Number(row.next_at), Number(row.id)]
        if (claims.has(Number(row.id))) continue
        claims.add(Number(row.id))
        out.push(claimedFromRow(row))
        if (out.length >= limit) break
      }
      if (rows.length < limit) {
        // End of what is due: the next sweep starts from the beginning.
        cursor = [-Infinity, 0]
        pass++
      }
    }
    this.#cursors.set(plugin, cursor)
    return out
  }

  async nextDueAt(plugin: string, after: number): Promise<number | undefined> {
    if (this.#closed) return undefined
    const row = this.#statements.nextDue.get(plugin, after) as { at: number | null } | undefined
    return row?.at ?? undefined
  }

  async #settle(id: number, statement: StatementSync, params: Array<string | number | null>): Promise<void> {
    try {
      await this.#enqueue({ kind: 'sql', statement, params })
    } finally {
      this.#unclaim(id)
    }
  }

  /** Drops a claim and wakes its queue: an ordered lane may be waiting for exactly this head. */
  #unclaim(id: number): void {
    for (const [plugin, claims] of this.#claimed) {
      if (claims.delete(id)) {
        for (const listener of this.#releaseListeners) listener(plugin)
        return
      }
    }
  }

  complete(id: number): Promise<void> {
    return this.#settle(id, this.#statements.complete, [Date.now(), id])
  }

  retry(id: number, nextAt: number, error: string): Promise<void> {
    const text = clip(error)
    return this.#settle(id, this.#statements.retry, [nextAt, text, text, Date.now(), id])
  }

  bury(id: number, error: string): Promise<void> {
    const text = clip(error)
    return this.#settle(id, this.#statements.bury, [text, text, Date.now(), id])
  }

  async release(id: number): Promise<void> {
    this.#unclaim(id)
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

  #deadWhere(selector: { id?: number; plugin?: string }): { sql: string; params: Array<number | string | null> } {
    return {
      sql: "status = 'dead' AND (? IS NULL OR id = ?) AND (? IS NULL OR plugin = ?)",
      params: [selector.id ?? null, selector.id ?? null, selector.plugin ?? null, selector.plugin ?? null],
    }
  }

  async replayDead(selector: { id?: number; plugin?: string }): Promise<number> {
    const { sql, params } = this.#deadWhere(selector)
    const now = Date.now()
    const result = this.#db
      .prepare(`UPDATE deliveries SET status = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE ${sql}`)
      .run(now, now, ...params)
    return Number(result.changes)
  }

  async purgeDead(selector: { id?: number; plugin?: string }): Promise<number> {
    const { sql, params } = this.#deadWhere(selector)
    return Number(this.#db.prepare(`DELETE FROM deliveries WHERE ${sql}`).run(...params).changes)
  }

  async stats(): Promise<QueueStats[]> {
    const rows = this.#db
      .prepare(
        `SELECT d.plugin,
           SUM(d.status = 'pending') AS pending,
           SUM(d.status = 'dead') AS dead,
           MIN(CASE WHEN d.status = 'pending' THEN e.received_at END) AS oldest
         FROM deliveries d JOIN events e ON e.seq = d.event_seq
         WHERE d.status != 'done' GROUP BY d.plugin ORDER BY d.plugin`,
      )
      .all() as Record<string, unknown>[]
    return rows.map(queueStatsFromRow)
  }

  async prune(before: number): Promise<number> {
    const done = this.#db.prepare("DELETE FROM deliveries WHERE status = 'done' AND updated_at < ?").run(before)
    const events = this.#db
      .prepare('DELETE FROM events WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq)')
      .run(before)
    return Number(done.changes) + Number(events.changes)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    clearInterval(this.#sweepTimer)
    // Writes already queued (delivery outcomes) still land, and are synced, before the file closes.
    this.#flush()
    while (this.#syncing) await this.#syncing
    // Writes made outside the queue (the CLI's replay and purge) are synced before close too.
    if (this.#asyncSync && !this.#failure) {
      try {
        await datasync(this.#walDescriptor())
      } catch {
        // No WAL (nothing written): nothing to sync.
      }
    }
    this.#closed = true
    this.#db.close()
    if (this.#walFd !== undefined) closeSync(this.#walFd)
  }
}
