/**
 * The PostgreSQL store's writer: group commit. Writes queue up; one statement at a time carries
 * all that gathered meanwhile (events, deliveries, outcomes, multi-row through `unnest`), and a
 * write's promise resolves after that COMMIT returned, which PostgreSQL makes durable. Events
 * carry a commit deadline; a batch that fails is redone one write at a time.
 */
import { GroupCommit } from '../../group-commit.ts'
import { StoreUnavailableError } from '../../errors.ts'
import type { AppendResult, NewEvent } from '../store.ts'
import type { Sql } from './connect.ts'
import { searchTerms } from '../search-terms.ts'

/** `token` names the claim the outcome belongs to (taken when the attempt ended). */
export type Outcome = (
  | { kind: 'complete'; id: number; token: string }
  | { kind: 'retry'; id: number; token: string; nextAt: number; error: string }
  | { kind: 'bury'; id: number; token: string; error: string }
) & {
  /** The attempt: when it started (Unix ms) and how long it took. */
  at: number
  ms: number
}

export type Write = { kind: 'event'; event: NewEvent } | Outcome

interface Waiter {
  write: Write
  resolve: (result: AppendResult) => void
  reject: (error: Error) => void
  /** An event not committed by its deadline was answered 503; it is then left out of any later batch. */
  expired?: boolean
}

/** A connection-level failure (the server is gone), as opposed to one bad row. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? ''
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|EPIPE|57P0[123]|08)/.test(code)
}

export interface CommitWriterOptions {
  sql: Sql
  /** This instance's id: its NOTIFYs carry it, so it can skip its own. */
  owner: string
  /** The NOTIFY channel of this schema's instances. */
  channel: string
  /** Same dedup key within this window is a duplicate; 0 turns dedup off. */
  dedupWindowMs: number
  /** An event not committed by then is refused (503). */
  commitTimeoutMs: number
  /** Called with the plugin ids that got new work, after each commit that added any. */
  onCommitted: (plugins: Set<string>) => void
  /** Write each event's searchable payload values (gateway_event_terms) with it. @default false */
  searchTerms?: boolean
}

export class CommitWriter {
  #sql: Sql
  #owner: string
  #channel: string
  #dedupWindowMs: number
  #commitTimeoutMs: number
  #onCommitted: (plugins: Set<string>) => void
  #searchTerms: boolean
  /**
   * One commit statement at a time; what arrives meanwhile gathers for the next. (Several in
   * flight measured no faster in S6, and a stalled database would pile them up, starving the
   * pool that claims and lease renewals use.) A waiter past its deadline is left out.
   */
  #batches = new GroupCommit<Waiter>((batch) => this.#flushLive(batch), { schedule: setImmediate })
  #closed = false
  /** Dedup key → when this instance's latest append of it settles, while one is queued or committing. */
  #appending = new Map<string, Promise<void>>()

  constructor(options: CommitWriterOptions) {
    this.#sql = options.sql
    this.#owner = options.owner
    this.#channel = options.channel
    this.#dedupWindowMs = options.dedupWindowMs
    this.#commitTimeoutMs = options.commitTimeoutMs
    this.#onCommitted = options.onCommitted
    this.#searchTerms = options.searchTerms ?? false
  }

  /**
   * Events carry a deadline from the moment they arrive: a database that stops answering
   * without closing the connection (a partition, a lock) must not hold Tencent's request past
   * its 2 s. At the deadline the event is refused (503) and left out of any batch not yet sent.
   * If the batch it was in commits after all, it is stored and delivered although answered 503,
   * which is harmless; it is never answered 200 without a commit. Outcomes have no deadline:
   * nobody waits on them, and they must still land.
   */
  enqueue(write: Write): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('store is closed'))
    const result = this.#enqueue(write)
    const key = write.kind === 'event' && this.#dedupWindowMs > 0 ? write.event.dedupKey : undefined
    if (key !== undefined) {
      // A later copy of a key settles with its batch or after it, so the latest one covers all.
      const settled = result.then(
        () => {},
        () => {},
      )
      this.#appending.set(key, settled)
      void settled.then(() => {
        if (this.#appending.get(key) === settled) this.#appending.delete(key)
      })
    }
    return result
  }

  /** Resolves once the appends of `key` this instance has queued or is committing have settled (stored, duplicate or refused). */
  settled(key: string): Promise<void> {
    return this.#appending.get(key) ?? Promise.resolve()
  }

  #enqueue(write: Write): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const waiter: Waiter = {
        write,
        resolve: (result) => {
          clearTimeout(timer)
          resolve(result)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      if (write.kind === 'event') {
        // The event's own deadline (a decided callback's answer time) when it is sooner.
        const ms = Math.max(0, Math.min(this.#commitTimeoutMs, (write.event.deadline ?? Infinity) - Date.now()))
        timer = setTimeout(() => {
          waiter.expired = true
          reject(new StoreUnavailableError(`PostgreSQL did not commit within ${Math.round(ms)} ms`))
        }, ms)
      }
      this.#batches.add(waiter)
    })
  }

  #flushLive(batch: Waiter[]): Promise<void> | undefined {
    const live = batch.filter((waiter) => !waiter.expired)
    return live.length === 0 ? undefined : this.#flush(live)
  }

  async #flush(batch: Waiter[]): Promise<void> {
    const touched = new Set<string>()
    try {
      const results = await this.#commit(batch, touched)
      batch.forEach((waiter, i) => waiter.resolve(results[i]!))
      this.#notifyLocal(touched)
      return
    } catch (error) {
      if (isConnectionError(error) || batch.length === 1) {
        const failure = new StoreUnavailableError(`store commit failed: ${(error as Error).message}`, { cause: error })
        for (const waiter of batch) waiter.reject(failure)
        return
      }
    }
    // One bad write must not fail the others that shared its batch: redo each alone. If the
    // connection goes meanwhile, the rest fail at once rather than one by one.
    for (let i = 0; i < batch.length; i++) {
      const waiter = batch[i]!
      if (waiter.expired) continue
      try {
        const [result] = await this.#commit([waiter], touched)
        waiter.resolve(result!)
      } catch (error) {
        const failure = new StoreUnavailableError(`store commit failed: ${(error as Error).message}`, { cause: error })
        waiter.reject(failure)
        if (isConnectionError(error)) {
          for (const rest of batch.slice(i + 1)) rest.reject(failure)
          break
        }
      }
    }
    this.#notifyLocal(touched)
  }

  #notifyLocal(touched: Set<string>): void {
    if (touched.size) this.#onCommitted(touched)
  }

  /**
   * Writes a batch as one statement (so one transaction and one round trip): dedup keys, events,
   * their deliveries, delivery outcomes, and the NOTIFY for new work. Returns one result per waiter.
   */
  async #commit(batch: Waiter[], touched: Set<string>): Promise<AppendResult[]> {
    const results: AppendResult[] = new Array(batch.length).fill('stored')
    // Within the batch, a repeated key is the same callback twice: the later copies share the
    // first copy's fate (duplicate if it is stored, failed with it if the statement fails).
    const seenKeys = new Set<string>()
    const events: Array<{ index: number; event: NewEvent }> = []
    const outcomes: Outcome[] = []
    batch.forEach((waiter, index) => {
      const write = waiter.write
      if (write.kind !== 'event') return void outcomes.push(write)
      const key = this.#dedupWindowMs > 0 ? write.event.dedupKey : undefined
      if (key !== undefined && seenKeys.has(key)) return void (results[index] = 'duplicate')
      if (key !== undefined) seenKeys.add(key)
      events.push({ index, event: write.event })
    })
    const e = events.map((x) => x.event)
    const keyed = e.filter((x) => this.#dedupWindowMs > 0 && x.dedupKey !== undefined)
    const targets = e.flatMap((x) => x.targets.map((plugin) => ({ id: x.id, plugin, at: x.receivedAt })))
    const terms = this.#searchTerms ? e.flatMap((x) => searchTerms(x.body).map((term) => ({ id: x.id, term }))) : []
    const plugins = [...new Set(targets.map((t) => t.plugin))]
    const [row] = await this.#sql<[{ stored: string[] }]>`
      WITH fresh AS (
        -- The unique key decides: a row comes back only for a key that is new, or whose earlier
        -- holder left the window (then the key is taken over).
        -- The key keeps the decision of the event that claimed it (recallDecision reads it).
        INSERT INTO gateway_dedup (key, received_at, decision)
        SELECT * FROM unnest(${keyed.map((x) => x.dedupKey!)}::text[], ${keyed.map((x) => x.receivedAt)}::int8[], ${keyed.map((x) => x.decision ?? null)}::text[])
        ON CONFLICT (key) DO UPDATE SET received_at = EXCLUDED.received_at, decision = EXCLUDED.decision
        WHERE gateway_dedup.received_at <= EXCLUDED.received_at - ${this.#dedupWindowMs}
        RETURNING key
      ), input AS (
        SELECT * FROM unnest(
          ${e.map((x) => x.id)}::text[], ${e.map((x) => x.command)}::text[], ${e.map((x) => x.sdkAppId)}::text[],
          ${e.map((x) => x.receivedAt)}::int8[], ${e.map((x) => x.clientIp ?? null)}::text[], ${e.map((x) => x.optPlatform ?? null)}::text[],
          ${e.map((x) => x.body)}::text[], ${e.map((x) => (this.#dedupWindowMs > 0 ? (x.dedupKey ?? null) : null))}::text[], ${e.map((x) => x.decision ?? null)}::text[])
          AS u(id, command, sdk_app_id, received_at, client_ip, opt_platform, body, dedup_key, decision)
      ), stored AS (
        INSERT INTO gateway_events (id, command, sdk_app_id, received_at, client_ip, opt_platform, body, dedup_key, decision)
        SELECT * FROM input WHERE input.dedup_key IS NULL OR input.dedup_key IN (SELECT key FROM fresh)
        RETURNING seq, id
      ), queued AS (
        INSERT INTO gateway_deliveries (event_seq, plugin, next_at, updated_at)
        SELECT stored.seq, t.plugin, t.at, t.at
        FROM unnest(${targets.map((t) => t.id)}::text[], ${targets.map((t) => t.plugin)}::text[], ${targets.map((t) => t.at)}::int8[]) AS t(event_id, plugin, at)
        JOIN stored ON stored.id = t.event_id
        RETURNING plugin
      ), searchable AS (
        INSERT INTO gateway_event_terms (event_seq, term)
        SELECT stored.seq, t.term
        FROM unnest(${terms.map((t) => t.id)}::text[], ${terms.map((t) => t.term)}::text[]) AS t(event_id, term)
        JOIN stored ON stored.id = t.event_id
      ), outcome AS (
        SELECT * FROM unnest(${outcomes.map((o) => o.id)}::int8[], ${outcomes.map((o) => o.token)}::int8[], ${outcomes.map((o) => o.kind)}::text[],
                             ${outcomes.map((o) => (o.kind === 'retry' ? o.nextAt : 0))}::int8[], ${outcomes.map((o) => (o.kind === 'complete' ? null : o.error))}::text[],
                             ${outcomes.map((o) => o.at)}::int8[], ${outcomes.map((o) => o.ms)}::real[])
          AS o(id, token, kind, next_at, error, at, ms)
      ), held AS (
        -- Outcomes apply only while this instance still holds the lease: a late outcome of a lease
        -- that expired and was taken over cannot overwrite the new owner's state.
        DELETE FROM gateway_leases l USING outcome o WHERE l.delivery_id = o.id AND l.token = o.token
        RETURNING l.delivery_id
      ), settled AS (
        UPDATE gateway_deliveries d SET
          status = CASE o.kind WHEN 'complete' THEN 'done' WHEN 'bury' THEN 'dead' ELSE 'pending' END,
          attempts = d.attempts + 1,
          next_at = CASE WHEN o.kind = 'retry' THEN o.next_at ELSE d.next_at END,
          first_error = CASE WHEN o.kind = 'complete' THEN d.first_error ELSE COALESCE(d.first_error, o.error) END,
          last_error = CASE WHEN o.kind = 'complete' THEN d.last_error ELSE o.error END,
          updated_at = ${Date.now()}
        FROM outcome o JOIN held ON held.delivery_id = o.id
        WHERE d.id = o.id
        RETURNING d.id
      ), attempted AS (
        INSERT INTO gateway_attempts (delivery_id, at, ms, outcome, error)
        SELECT o.id, o.at, o.ms, CASE o.kind WHEN 'complete' THEN 'done' WHEN 'bury' THEN 'dead' ELSE 'retry' END, o.error
        FROM outcome o JOIN held ON held.delivery_id = o.id
      ), relaxed AS (
        -- A batch of outcomes only is not worth an fsync: if the server loses it, those deliveries
        -- are made again (at least once). A batch with events commits as the server is configured.
        SELECT set_config('synchronous_commit', 'off', true) WHERE ${events.length === 0}
      ), woken AS (
        -- Other instances' lanes wake on new work; delivered when the statement commits.
        SELECT pg_notify(${this.#channel}, ${`${this.#owner}|${plugins.join(',')}`}) WHERE EXISTS (SELECT 1 FROM queued)
      )
      SELECT (SELECT coalesce(array_agg(id), '{}') FROM stored) AS stored, (SELECT count(*) FROM settled) AS settled, (SELECT count(*) FROM woken) AS woken, (SELECT count(*) FROM relaxed) AS relaxed`
    const storedIds = new Set(row.stored)
    for (const { index, event } of events) {
      if (!storedIds.has(event.id)) {
        results[index] = 'duplicate'
        continue
      }
      for (const plugin of event.targets) touched.add(plugin)
    }
    return results
  }

  /** Resolves once nothing is queued or being committed. */
  drain(): Promise<void> {
    return this.#batches.drain()
  }

  /** Refuses further writes, and rejects those still queued. */
  close(): void {
    this.#closed = true
    for (const waiter of this.#batches.takeQueued()) waiter.reject(new StoreUnavailableError('store is closed'))
  }
}
