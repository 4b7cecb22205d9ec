/**
 * The SQLite store's claims (docs/design.md §7.1): one process owns a file's queues, so a claim
 * is a delivery id held in memory until its outcome is written or it is released. This file
 * holds the claim queries, the per-queue sweep cursors, and the hand-off of new deliveries.
 *
 * The hand-off: a delivery row this process just wrote (and synced) is also kept in memory, as
 * the claim query would return it, so a lane takes it without a query that joins the events
 * and reads every body back (about 80 µs a delivery at 2,000/s). It is safe only while this
 * process knows the queue holds nothing due outside memory, so a queue is `known` from a sweep
 * that reached the end of what was due until anything else could add due rows: a claim given
 * back, a retry's time (the lane's timer asks for a sweep), a dead letter replayed, another
 * process (the heartbeat asks for a sweep; and at most SWEEP_MS pass without one), or more new
 * deliveries than memory keeps. A sweep always drops what memory held: the query finds those
 * rows too, and a row must not be handed out by both.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { claimedFromRow } from '../rows.ts'
import type { ClaimedDelivery, ClaimOptions } from '../store.ts'

/** What a claimed delivery carries of its event (rows.ts maps these columns). */
const CLAIM_COLUMNS =
  'd.id, d.plugin, d.attempts, d.next_at, e.id AS event_id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body, e.decision'

/** New deliveries kept in memory per queue; past this the queue is swept from the table again. */
const MAX_FRESH = 4096
/** A known queue is swept at least this often anyway. */
const SWEEP_MS = 5000

export class SqliteClaims {
  /**
   * Queue → when its last sweep reached the end of what was due: the table holds nothing due for
   * it that is not claimed or in `#fresh`. Absent: sweep.
   */
  #known = new Map<string, number>()
  /** Queue → deliveries committed and synced since it became known, oldest first, unclaimed. */
  #fresh = new Map<string, ClaimedDelivery[]>()
  /** Plugin instance → the ids of its claimed deliveries. */
  #claimed = new Map<string, Set<number>>()
  /**
   * Where each queue's current sweep stands, as (next_at, id): a claim query resumes after it
   * instead of reading the claimed rows again. A sweep that reaches the end starts over, so
   * rows released or made due meanwhile are found on the next pass.
   */
  #cursors = new Map<string, [number, number]>()
  #due: StatementSync
  #head: StatementSync

  constructor(db: DatabaseSync) {
    this.#due = db.prepare(`
      SELECT ${CLAIM_COLUMNS}
      FROM deliveries d JOIN events e ON e.seq = d.event_seq
      WHERE d.plugin = ? AND d.status = 'pending' AND d.next_at <= ? AND (d.next_at, d.id) > (?, ?) AND d.event_seq <= ?
      ORDER BY d.next_at, d.id LIMIT ?`)
    this.#head = db.prepare(`
      SELECT ${CLAIM_COLUMNS}
      FROM deliveries d JOIN events e ON e.seq = d.event_seq
      WHERE d.plugin = ? AND d.status = 'pending' AND d.event_seq <= ?
      ORDER BY d.id LIMIT 1`)
  }

  #claims(plugin: string): Set<number> {
    let set = this.#claimed.get(plugin)
    if (!set) this.#claimed.set(plugin, (set = new Set()))
    return set
  }

  /** New deliveries, durable now: kept for the queues that are known, dropped for the others (a sweep finds them). */
  offer(fresh: ClaimedDelivery[]): void {
    for (const delivery of fresh) {
      if (!this.#known.has(delivery.plugin)) continue
      let queue = this.#fresh.get(delivery.plugin)
      if (!queue) this.#fresh.set(delivery.plugin, (queue = []))
      if (queue.length >= MAX_FRESH) this.forget(delivery.plugin)
      else queue.push(delivery)
    }
  }

  /** The table may hold due rows of `plugin` (or of every queue) that memory does not: sweep next time. */
  forget(plugin?: string): void {
    if (plugin === undefined) {
      this.#known.clear()
      this.#fresh.clear()
      return
    }
    this.#known.delete(plugin)
    this.#fresh.delete(plugin)
  }

  /** Due deliveries of events up to rowid `durable`, not already claimed; claimed now. */
  claim(plugin: string, { now, limit, ordered, sweep }: ClaimOptions, durable: number): ClaimedDelivery[] {
    const claims = this.#claims(plugin)
    const knownAt = this.#known.get(plugin)
    if (!ordered && !sweep && knownAt !== undefined && now - knownAt < SWEEP_MS) {
      const queue = this.#fresh.get(plugin)
      if (!queue || queue.length === 0) return []
      const out: ClaimedDelivery[] = []
      while (out.length < limit && queue.length > 0) {
        const delivery = queue.shift()!
        // Never twice, whatever handed it out first.
        if (claims.has(delivery.id)) continue
        claims.add(delivery.id)
        out.push(delivery)
      }
      return out
    }
    // A sweep (and an ordered head) reads the table, which holds what memory had too.
    this.forget(plugin)
    if (ordered) {
      const head = this.#head.get(plugin, durable) as Record<string, unknown> | undefined
      if (!head || claims.has(Number(head.id)) || Number(head.next_at) > now) return []
      claims.add(Number(head.id))
      return [claimedFromRow(head)]
    }
    const out: ClaimedDelivery[] = []
    let cursor = this.#cursors.get(plugin) ?? [-Infinity, 0]
    // A sweep that started from the head has seen everything due: no second pass then.
    const passes = cursor[0] === -Infinity ? 1 : 2
    for (let pass = 0; out.length < limit && pass < passes;) {
      const rows = this.#due.all(plugin, now, cursor[0], cursor[1], durable, limit) as Record<string, unknown>[]
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
    // Short of the limit: everything due was seen, so the queue is known until something else adds work.
    if (out.length < limit) this.#known.set(plugin, now)
    return out
  }

  /** Drops a claim; returns its plugin instance, or undefined when it was not claimed. */
  unclaim(id: number): string | undefined {
    for (const [plugin, claims] of this.#claimed) {
      if (claims.delete(id)) return plugin
    }
    return undefined
  }
}
