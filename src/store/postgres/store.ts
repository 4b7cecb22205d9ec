/**
 * The shared store: PostgreSQL through the `postgres` package (Bun, Deno and Node), for several
 * gateway instances behind one load balancer. Same contract as the SQLite store (docs/design.md §6):
 *
 * - **Ack after commit, group commit.** Writes queue up; one transaction at a time carries all
 *   that gathered meanwhile (events, deliveries, outcomes, multi-row through `unnest`). A
 *   request's promise resolves after that COMMIT returned, which PostgreSQL makes durable.
 * - **Dedup by a unique constraint.** Each dedup key is claimed with `INSERT … ON CONFLICT DO
 *   UPDATE … WHERE expired` in the event's own transaction. A concurrent copy at another
 *   instance blocks on the key until the first commits (then it is a duplicate) or rolls back
 *   (then it is stored): no read-then-write race, and never "duplicate" for a lost first copy.
 * - **Leases.** A delivery is claimed with `FOR UPDATE SKIP LOCKED` plus a lease (owner, expiry
 *   on the database clock). Live instances renew their leases; a dead instance's leases expire
 *   and any other instance takes the deliveries over. Outcomes only apply while the lease is
 *   still held, so a late attempt of a lost lease cannot overwrite the new owner's state.
 * - **Concurrency across the cluster.** Claims for one plugin instance are serialised by a
 *   transaction-scoped advisory lock, and take only `concurrency − live leases` rows: the
 *   instance's `concurrency` is a cluster-wide limit. With concurrency 1 only the head of the
 *   queue is ever leased, so arrival order holds across instances too.
 * - **Prompt wake-ups.** Each commit that adds work sends NOTIFY; every instance LISTENs and
 *   pumps the lanes named in it. The dispatcher's heartbeat catches anything missed.
 * - **Migrations** are versioned and run under an advisory lock, so instances may start together.
 *
 * This file wires the parts and holds the reads and dead-letter commands: the writer is
 * commit.ts, claims and leases are leases.ts, the schema is migrations/ run by migrate.ts.
 */
import { redactUrl } from '../redact-url.ts'
import { GatewayError, StoreUnavailableError } from '../../errors.ts'
import { clipError, deadLetterFromRow, queueStatsFromRow } from '../rows.ts'
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
import { CommitWriter, type Outcome } from './commit.ts'
import { activity, getEvent, listEvents } from './event-log.ts'
import type { ActivityMinute, AttemptTiming, EventDetail, EventPage, EventQuery } from '../event-log.ts'
import { connect, type Sql } from './connect.ts'
import { Leases } from './leases.ts'
import { migrate } from './migrate.ts'
import { withTimeout } from '../../timeout.ts'

export interface PgStoreOptions {
  /** postgres://user:password@host:port/database[?search_path=schema] */
  url: string
  /** Same dedup key within this window is a duplicate; 0 turns dedup off. @default 0 */
  dedupWindowMs?: number
  /** How long a claim is held without renewal before another instance may take it. @default 30000 */
  leaseMs?: number
  /** Pool size. @default 8 */
  maxConnections?: number
  /** LISTEN for other instances' new work (the server); the CLI does not need it. @default true */
  listen?: boolean
  /** A commit not answered by then is refused (503). @default 1500, inside Tencent's 2 s deadline */
  commitTimeoutMs?: number
  /** Where the store reports trouble that is not an error of any one call (lost leases). */
  warn?: (message: string, fields: Record<string, unknown>) => void
  /** Write each event's searchable payload values with it (the admin console's search). @default false */
  searchTerms?: boolean
}

/** How long close() waits for claims and writes under way. */
const CLOSE_WAIT_MS = 5000

const attempt = (timing?: AttemptTiming) => ({ at: timing?.at ?? Date.now(), ms: timing?.ms ?? 0 })

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export class PgStore implements DeliveryStore {
  readonly kind = 'postgres'
  /** Queues are shared with other instances: claim only what can start now. */
  readonly shared = true
  readonly failed = false
  #sql: Sql
  #owner = crypto.randomUUID()
  #channel: string
  #dedupWindowMs: number
  #commitTimeoutMs: number
  #writer: CommitWriter
  #leases: Leases
  #closed = false
  #listeners: Array<(plugins: Set<string>) => void> = []
  #releaseListeners: Array<(plugin: string) => void> = []

  private constructor(sql: Sql, options: PgStoreOptions, channel: string) {
    this.#sql = sql
    this.#channel = channel
    this.#dedupWindowMs = options.dedupWindowMs ?? 0
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 1500
    this.#writer = new CommitWriter({
      sql,
      owner: this.#owner,
      channel,
      dedupWindowMs: this.#dedupWindowMs,
      commitTimeoutMs: this.#commitTimeoutMs,
      searchTerms: options.searchTerms,
      onCommitted: (plugins) => {
        for (const listener of this.#listeners) listener(plugins)
      },
    })
    this.#leases = new Leases({
      sql,
      owner: this.#owner,
      leaseMs: options.leaseMs ?? 30_000,
      warn: options.warn ?? (() => {}),
      onReleased: (plugin) => {
        for (const listener of this.#releaseListeners) listener(plugin)
      },
    })
  }

  /** Connects, migrates (under an advisory lock) and starts listening; throws a clear error if the server is unreachable. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const sql = connect(options.url, options.maxConnections ?? 8)
    let store: PgStore
    try {
      const schema = await migrate(sql)
      // Channel names are per database: one per schema keeps separate gateways (and tests) apart.
      store = new PgStore(sql, options, `gateway_work_${(await sha256(schema)).slice(0, 16)}`)
      if (options.listen !== false) {
        await sql.listen(store.#channel, (payload) => store.#onNotify(payload))
      }
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {})
      if (error instanceof GatewayError) throw error
      throw new GatewayError(`cannot open the PostgreSQL store at ${redactUrl(options.url)}: ${(error as Error).message}`, 'STORE_OPEN', 1, { cause: error })
    }
    store.#leases.startRenewing()
    return store
  }

  #onNotify(payload: string): void {
    const [owner, list] = payload.split('|')
    // Our own commits already woke our lanes.
    if (owner === this.#owner || !list) return
    const plugins = new Set(list.split(','))
    for (const listener of this.#listeners) listener(plugins)
    for (const plugin of plugins) for (const listener of this.#releaseListeners) listener(plugin)
  }

  onAppended(listener: (plugins: Set<string>) => void): void {
    this.#listeners.push(listener)
  }

  onReleased(listener: (plugin: string) => void): void {
    this.#releaseListeners.push(listener)
  }

  append(event: NewEvent): Promise<AppendResult> {
    return this.#writer.enqueue({ kind: 'event', event })
  }

  /**
   * One read of the key's row in gateway_dedup, which holds the decision of the event that
   * claimed the key. A copy of the key that this instance is still committing is waited for
   * first (the writer knows its queued keys), so its decision is found, or nothing if it failed.
   * Across instances a race is accepted: a first copy still committing at another instance is
   * not visible yet, so this answers undefined and the caller decides again; its append then
   * waits on the key's unique constraint and comes back 'duplicate', and the stored decision
   * stays the first copy's. Rejects with StoreUnavailableError when the database does not
   * answer within the commit deadline.
   */
  async recallDecision(dedupKey: string, receivedAt: number): Promise<string | undefined> {
    if (this.#dedupWindowMs <= 0 || this.#closed) return undefined
    const read = async () => {
      await this.#writer.settled(dedupKey)
      const [row] = await this.#sql<Array<{ decision: string | null }>>`
        SELECT decision FROM gateway_dedup WHERE key = ${dedupKey} AND received_at > ${receivedAt - this.#dedupWindowMs}`
      return row?.decision ?? undefined
    }
    try {
      return await withTimeout(read(), this.#commitTimeoutMs, () => {
        throw new StoreUnavailableError(`PostgreSQL did not answer within ${this.#commitTimeoutMs} ms`)
      })
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error
      throw new StoreUnavailableError(`cannot read the dedup key: ${(error as Error).message}`, { cause: error })
    }
  }

  claimDue(plugin: string, options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.#leases.claim(plugin, options)
  }

  async nextDueAt(plugin: string, after: number): Promise<number | undefined> {
    if (this.#closed) return undefined
    const [row] = await this.#sql<Array<{ at: string | null }>>`
      SELECT MIN(next_at) AS at FROM gateway_deliveries WHERE plugin = ${plugin} AND status = 'pending' AND next_at > ${after}`
    return row?.at == null ? undefined : Number(row.at)
  }

  /**
   * Records an outcome. If it cannot be written the claim (and its renewed lease) stays, so
   * the delivery is not handed out again: the dispatcher writes the outcome again later, or
   * releases it.
   */
  async #settle(id: number, outcome: Outcome): Promise<void> {
    await this.#writer.enqueue(outcome)
    this.#leases.unclaim(id, outcome.token)
  }

  complete(id: number, timing?: AttemptTiming): Promise<void> {
    return this.#settle(id, { kind: 'complete', id, token: this.#leases.tokenOf(id), ...attempt(timing) })
  }

  retry(id: number, nextAt: number, error: string, timing?: AttemptTiming): Promise<void> {
    return this.#settle(id, { kind: 'retry', id, token: this.#leases.tokenOf(id), nextAt, error: clipError(error), ...attempt(timing) })
  }

  bury(id: number, error: string, timing?: AttemptTiming): Promise<void> {
    return this.#settle(id, { kind: 'bury', id, token: this.#leases.tokenOf(id), error: clipError(error), ...attempt(timing) })
  }

  listEvents(query: EventQuery): Promise<EventPage> {
    return listEvents(this.#sql, query)
  }

  getEvent(id: string): Promise<EventDetail | undefined> {
    return getEvent(this.#sql, id)
  }

  activity(since: number): Promise<ActivityMinute[]> {
    return activity(this.#sql, since)
  }

  /** Never rejects: if the database is unreachable the lease simply expires. */
  release(id: number): Promise<void> {
    return this.#leases.release(id)
  }

  async listDead(plugin?: string): Promise<DeadLetter[]> {
    const rows = await this.#sql<Record<string, unknown>[]>`
      SELECT d.id, d.plugin, e.id AS event_id, d.attempts, d.first_error, d.last_error, d.updated_at, e.command, e.received_at
      FROM gateway_deliveries d JOIN gateway_events e ON e.seq = d.event_seq
      WHERE d.status = 'dead' AND (${plugin ?? null}::text IS NULL OR d.plugin = ${plugin ?? null}) ORDER BY d.id`
    return rows.map(deadLetterFromRow)
  }

  async replayDead(selector: DeadLetterSelector): Promise<number> {
    const now = Date.now()
    const rows = await this.#sql<Array<{ plugin: string }>>`
      UPDATE gateway_deliveries SET status = 'pending', attempts = 0, next_at = ${now}, updated_at = ${now}
      WHERE status = 'dead' AND (${selector.id ?? null}::int8 IS NULL OR id = ${selector.id ?? null})
        AND (${selector.plugin ?? null}::text IS NULL OR plugin = ${selector.plugin ?? null})
      RETURNING plugin`
    // Every instance's lanes wake at once, not on their heartbeat.
    if (rows.length > 0) await this.#sql`SELECT pg_notify(${this.#channel}, ${`cli|${[...new Set(rows.map((r) => r.plugin))].join(',')}`})`
    return rows.length
  }

  async purgeDead(selector: DeadLetterSelector): Promise<number> {
    const rows = await this.#sql`
      DELETE FROM gateway_deliveries
      WHERE status = 'dead' AND (${selector.id ?? null}::int8 IS NULL OR id = ${selector.id ?? null})
        AND (${selector.plugin ?? null}::text IS NULL OR plugin = ${selector.plugin ?? null})`
    return rows.count
  }

  async findDelivery(id: number): Promise<{ plugin: string; status: DeliveryStatus } | undefined> {
    const [row] = await this.#sql<Array<{ plugin: string; status: DeliveryStatus }>>`SELECT plugin, status FROM gateway_deliveries WHERE id = ${id}`
    return row ? { plugin: row.plugin, status: row.status } : undefined
  }

  async stats(): Promise<QueueStats[]> {
    const rows = await this.#sql<Record<string, unknown>[]>`
      WITH queues AS (
        SELECT d.plugin,
          count(*) FILTER (WHERE d.status = 'pending') AS pending,
          count(*) FILTER (WHERE d.status = 'dead') AS dead,
          MIN(e.received_at) FILTER (WHERE d.status = 'pending') AS oldest
        FROM gateway_deliveries d JOIN gateway_events e ON e.seq = d.event_seq
        WHERE d.status <> 'done' GROUP BY d.plugin
      ), live AS (
        SELECT plugin, count(*) AS leased FROM gateway_leases WHERE lease_until >= gateway_now() GROUP BY plugin
      )
      SELECT q.*, coalesce(l.leased, 0) AS leased FROM queues q LEFT JOIN live l ON l.plugin = q.plugin ORDER BY q.plugin`
    return rows.map(queueStatsFromRow)
  }

  async prune(before: number): Promise<number> {
    const done = await this.#sql`DELETE FROM gateway_deliveries WHERE status = 'done' AND updated_at < ${before}`
    const events = await this.#sql`
      DELETE FROM gateway_events e WHERE e.received_at < ${before}
        AND NOT EXISTS (SELECT 1 FROM gateway_deliveries d WHERE d.event_seq = e.seq)`
    // Attempts are kept by their own time (no foreign key: migrations/003.sql); not counted.
    await this.#sql`DELETE FROM gateway_attempts WHERE at < ${before}`
    let keys = 0
    if (this.#dedupWindowMs > 0) keys = (await this.#sql`DELETE FROM gateway_dedup WHERE received_at < ${Date.now() - this.#dedupWindowMs}`).count
    return done.count + events.count + keys
  }

  async close(): Promise<void> {
    if (this.#closed) return
    // Claims under way land (a stopping dispatcher releases them), releases finish, and writes
    // already queued (delivery outcomes) land before the pool closes; but a database that does
    // not answer cannot hold the shutdown: after CLOSE_WAIT_MS what is left is dropped (its
    // leases expire; its deliveries are made again).
    const settled = (async () => {
      await this.#leases.drain()
      await this.#writer.drain()
    })()
    await withTimeout(settled, CLOSE_WAIT_MS, () => undefined)
    this.#closed = true
    this.#writer.close()
    this.#leases.close()
    // Leases still held here belong to attempts that outlived the shutdown's drain: they are
    // not given back but left to expire, so no other instance starts them while they may run.
    // end() closes the LISTEN connection too (an UNLISTEN first would wait on a silent server).
    await this.#sql.end({ timeout: 1 })
  }
}
