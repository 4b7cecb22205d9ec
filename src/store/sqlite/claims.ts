/**
 * The SQLite store's claims (docs/design.md §7.1): one process owns a file's queues, so a claim
 * is a delivery id held in memory until its outcome is written or it is released. This file
 * holds the claim queries and the per-queue sweep cursors.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { claimedFromRow } from '../rows.ts'
import type { ClaimedDelivery, ClaimOptions } from '../store.ts'

/** What a claimed delivery carries of its event (rows.ts maps these columns). */
const CLAIM_COLUMNS =
  'd.id, d.plugin, d.attempts, d.next_at, e.id AS event_id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body, e.decision'

export class SqliteClaims {
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

  /** Due deliveries of events up to rowid `durable`, not already claimed; claimed now. */
  claim(plugin: string, { now, limit, ordered }: ClaimOptions, durable: number): ClaimedDelivery[] {
    const claims = this.#claims(plugin)
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
