/**
 * The embedded store: SQLite through `node:sqlite`, which Bun and Deno both provide.
 *
 * Group commit: `append` and the delivery state changes queue up, and one transaction
 * per event-loop turn writes them all, so one fsync (WAL, `synchronous=FULL`) serves
 * every request that arrived meanwhile. A request's promise resolves only after that
 * commit returned, so OK is never answered before the event is on disk.
 *
 * `node:sqlite` is synchronous: the commit runs on the serving thread. While it runs,
 * new requests wait in the kernel and join the next batch, so batches grow with load.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { StoreUnavailableError } from '../errors.ts'
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  sdk_app_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  client_ip TEXT,
  opt_platform TEXT,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  plugin TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  first_error TEXT,
  last_error TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (plugin, next_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event_id);
CREATE TABLE IF NOT EXISTS dedup (
  key TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_seen ON dedup (seen_at);
`

type Write = { kind: 'event'; event: NewEvent } | { kind: 'sql'; statement: StatementSync; params: Array<string | number | null> }

interface Waiter {
  write: Write
  resolve: (result: AppendResult) => void
  reject: (error: Error) => void
}

/** Expired dedup keys are deleted this often. */
const DEDUP_SWEEP_MS = 60_000

const MAX_ERROR_TEXT = 2000

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text
}

export class SqliteStore implements DeliveryStore {
  readonly kind = 'sqlite'
  #db: DatabaseSync
  #queue: Waiter[] = []
  #flushScheduled = false
  #listeners: Array<(plugins: Set<string>) => void> = []
  /** Claims live in memory: one process owns an SQLite file's queues. */
  #claimed = new Map<string, Set<number>>()
  #closed = false
  #statements: Record<string, StatementSync>
  #dedupWindowMs: number
  #sweepTimer: ReturnType<typeof setInterval> | undefined

  constructor(options: SqliteStoreOptions) {
    this.#dedupWindowMs = options.dedupWindowMs ?? 0
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    this.#db = new DatabaseSync(options.path)
    this.#db.exec('PRAGMA journal_mode = WAL')
    this.#db.exec(`PRAGMA synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`)
    // The CLI (dlq) may write while the server runs: wait briefly for its lock rather than
    // fail, but well inside Tencent's 2 s answer deadline.
    this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 1000))}`)
    this.#db.exec(SCHEMA)
    const db = this.#db
    this.#statements = {
      insertEvent: db.prepare('INSERT INTO events (id, command, sdk_app_id, received_at, client_ip, opt_platform, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertDelivery: db.prepare('INSERT INTO deliveries (event_id, plugin, next_at, updated_at) VALUES (?, ?, ?, ?)'),
      complete: db.prepare("UPDATE deliveries SET status = 'done', attempts = attempts + 1, updated_at = ? WHERE id = ?"),
      retry: db.prepare(
        'UPDATE deliveries SET attempts = attempts + 1, next_at = ?, first_error = COALESCE(first_error, ?), last_error = ?, updated_at = ? WHERE id = ?',
      ),
      bury: db.prepare(
        "UPDATE deliveries SET status = 'dead', attempts = attempts + 1, first_error = COALESCE(first_error, ?), last_error = ?, updated_at = ? WHERE id = ?",
      ),
      due: db.prepare(`
        SELECT d.id, d.plugin, d.attempts, e.id AS event_id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body
        FROM deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.plugin = ? AND d.status = 'pending' AND d.next_at <= ?
        ORDER BY d.next_at, d.id LIMIT ?`),
      head: db.prepare(`
        SELECT d.id, d.plugin, d.attempts, d.next_at, e.id AS event_id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body
        FROM deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.plugin = ? AND d.status = 'pending'
        ORDER BY d.id LIMIT 1`),
      nextDue: db.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE plugin = ? AND status = 'pending' AND next_at > ?"),
      // Claims the key unless it was claimed within the window: 1 change = new, 0 = duplicate.
      claimKey: db.prepare('INSERT INTO dedup (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at WHERE dedup.seen_at <= ?'),
      sweepKeys: db.prepare('DELETE FROM dedup WHERE seen_at <= ?'),
    }
    if (this.#dedupWindowMs > 0) {
      this.#sweepTimer = setInterval(() => {
        void this.#enqueue({ kind: 'sql', statement: this.#statements.sweepKeys!, params: [Date.now() - this.#dedupWindowMs] }).catch(() => {})
      }, DEDUP_SWEEP_MS)
      ;(this.#sweepTimer as { unref?: () => void }).unref?.()
    }
  }

  append(event: NewEvent): Promise<AppendResult> {
    return this.#enqueue({ kind: 'event', event })
  }

  onAppended(listener: (plugins: Set<string>) => void): void {
    this.#listeners.push(listener)
  }

  #enqueue(write: Write): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('store is closed'))
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
    try {
      const results = this.#commit(batch, touched)
      batch.forEach((waiter, i) => waiter.resolve(results[i]!))
    } catch {
      // One bad write must not fail the others that shared its batch: redo each alone,
      // so only the writes that really cannot commit are refused (with 503 at ingress).
      touched.clear()
      for (const waiter of batch) {
        try {
          waiter.resolve(this.#commit([waiter], touched)[0]!)
        } catch (error) {
          waiter.reject(new StoreUnavailableError(`store commit failed: ${(error as Error).message}`, { cause: error }))
        }
      }
    }
    if (touched.size) for (const listener of this.#listeners) listener(touched)
  }

  /** Writes `batch` in one transaction; throws (after rolling back) if any write fails. */
  #commit(batch: Waiter[], touched: Set<string>): AppendResult[] {
    const { insertEvent, insertDelivery, claimKey } = this.#statements
    const plugins: string[] = []
    const results: AppendResult[] = []
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      for (const { write } of batch) {
        if (write.kind === 'sql') {
          write.statement.run(...write.params)
          results.push('stored')
          continue
        }
        const e = write.event
        // In the same transaction as the insert: with one writer there is no read-then-write race.
        if (e.dedupKey && this.#dedupWindowMs > 0) {
          const claimed = claimKey!.run(e.dedupKey, e.receivedAt, e.receivedAt - this.#dedupWindowMs)
          if (Number(claimed.changes) === 0) {
            results.push('duplicate')
            continue
          }
        }
        results.push('stored')
        insertEvent.run(e.id, e.command, e.sdkAppId, e.receivedAt, e.clientIp ?? null, e.optPlatform ?? null, e.body)
        for (const plugin of e.targets) {
          insertDelivery.run(e.id, plugin, e.receivedAt, e.receivedAt)
          plugins.push(plugin)
        }
      }
      this.#db.exec('COMMIT')
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
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

  #toClaimed(row: Record<string, unknown>): ClaimedDelivery {
    return {
      id: Number(row.id),
      plugin: String(row.plugin),
      attempts: Number(row.attempts),
      event: {
        id: String(row.event_id),
        command: String(row.command),
        sdkAppId: String(row.sdk_app_id),
        receivedAt: Number(row.received_at),
        clientIp: (row.client_ip as string | null) ?? undefined,
        optPlatform: (row.opt_platform as string | null) ?? undefined,
        body: String(row.body),
      },
    }
  }

  async claimDue(plugin: string, { now, limit, ordered }: ClaimOptions): Promise<ClaimedDelivery[]> {
    if (this.#closed || limit <= 0) return []
    const claims = this.#claims(plugin)
    if (ordered) {
      const head = this.#statements.head.get(plugin) as Record<string, unknown> | undefined
      if (!head || claims.has(Number(head.id)) || Number(head.next_at) > now) return []
      claims.add(Number(head.id))
      return [this.#toClaimed(head)]
    }
    const rows = this.#statements.due.all(plugin, now, limit + claims.size) as Record<string, unknown>[]
    const out: ClaimedDelivery[] = []
    for (const row of rows) {
      if (out.length >= limit) break
      if (claims.has(Number(row.id))) continue
      claims.add(Number(row.id))
      out.push(this.#toClaimed(row))
    }
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
      for (const claims of this.#claimed.values()) claims.delete(id)
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
    for (const claims of this.#claimed.values()) claims.delete(id)
  }

  async listDead(plugin?: string): Promise<DeadLetter[]> {
    const rows = this.#db
      .prepare(
        `SELECT d.id, d.plugin, d.event_id, d.attempts, d.first_error, d.last_error, d.updated_at, e.command, e.received_at
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'dead' AND (? IS NULL OR d.plugin = ?) ORDER BY d.id`,
      )
      .all(plugin ?? null, plugin ?? null) as Record<string, unknown>[]
    return rows.map((row) => ({
      id: Number(row.id),
      plugin: String(row.plugin),
      eventId: String(row.event_id),
      command: String(row.command),
      attempts: Number(row.attempts),
      firstError: (row.first_error as string | null) ?? undefined,
      lastError: (row.last_error as string | null) ?? undefined,
      deadAt: Number(row.updated_at),
      receivedAt: Number(row.received_at),
    }))
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
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status != 'done' GROUP BY d.plugin ORDER BY d.plugin`,
      )
      .all() as Record<string, unknown>[]
    return rows.map((row) => ({
      plugin: String(row.plugin),
      pending: Number(row.pending ?? 0),
      dead: Number(row.dead ?? 0),
      oldestPendingAt: row.oldest == null ? undefined : Number(row.oldest),
    }))
  }

  async prune(before: number): Promise<number> {
    const done = this.#db.prepare("DELETE FROM deliveries WHERE status = 'done' AND updated_at < ?").run(before)
    const events = this.#db
      .prepare('DELETE FROM events WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)')
      .run(before)
    return Number(done.changes) + Number(events.changes)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    clearInterval(this.#sweepTimer)
    // Writes already queued (delivery outcomes) still land before the file closes.
    this.#flush()
    this.#closed = true
    this.#db.close()
  }
}
