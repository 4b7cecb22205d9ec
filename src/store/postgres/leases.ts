/**
 * The PostgreSQL store's claims: a delivery is claimed with `FOR UPDATE SKIP LOCKED` plus a
 * lease (owner, expiry on the database clock), through gateway_claim (migrations/002.sql).
 * Each claim has its own token, which outcomes, renewals and releases name. This instance
 * renews its leases on a timer while their attempts run; a dead instance's leases expire and
 * any other instance takes the deliveries over.
 */
import { claimedFromRow } from '../rows.ts'
import type { ClaimedDelivery, ClaimOptions } from '../store.ts'
import type { Sql } from './connect.ts'
import { unrefTimer } from '../../timeout.ts'

/** Rows per claim at most, whatever the caller asks. */
const MAX_CLAIM = 256

export interface LeasesOptions {
  sql: Sql
  /** This instance's id, the owner of its leases. */
  owner: string
  /** How long a claim is held without renewal before another instance may take it. */
  leaseMs: number
  warn: (message: string, fields: Record<string, unknown>) => void
  /** Called when a claim ends (its outcome committed, or released). */
  onReleased: (plugin: string) => void
}

export class Leases {
  #sql: Sql
  #owner: string
  #leaseMs: number
  #warn: LeasesOptions['warn']
  #onReleased: LeasesOptions['onReleased']
  #closed = false
  /** Delivery id → its claim (plugin and lease token), for every lease this instance holds (renewed on a timer). */
  #claimed = new Map<number, { plugin: string; token: string; lost?: boolean }>()
  /** Claims and releases under way: close() waits for them. */
  #pending = new Set<Promise<unknown>>()
  #renewTimer: ReturnType<typeof setInterval> | undefined

  constructor(options: LeasesOptions) {
    this.#sql = options.sql
    this.#owner = options.owner
    this.#leaseMs = options.leaseMs
    this.#warn = options.warn
    this.#onReleased = options.onReleased
  }

  /** Starts renewing this instance's leases, a few times per lease. */
  startRenewing(): void {
    this.#renewTimer = setInterval(() => void this.#renewLeases(), Math.max(250, Math.floor(this.#leaseMs / 3)))
    unrefTimer(this.#renewTimer)
  }

  claim(plugin: string, options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.#track(this.#take(plugin, options))
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work)
    const done = () => this.#pending.delete(work)
    work.then(done, done)
    return work
  }

  /** The token of this instance's claim on `id`; 0 (matches nothing) when it holds none. */
  tokenOf(id: number): string {
    return this.#claimed.get(id)?.token ?? '0'
  }

  async #take(plugin: string, { now, limit, ordered, concurrency }: ClaimOptions): Promise<ClaimedDelivery[]> {
    if (this.#closed || limit <= 0) return []
    const rows = await this.#sql<Record<string, unknown>[]>`
      SELECT * FROM gateway_claim(${plugin}, ${this.#owner}, ${now}, ${Math.min(limit, MAX_CLAIM)}, ${ordered ? 1 : (concurrency ?? null)}, ${ordered === true}, ${this.#leaseMs}, ${[...this.#claimed.keys()]}::int8[])`
    const claimed = rows.map(claimedFromRow)
    rows.forEach((row, i) => this.#claimed.set(claimed[i]!.id, { plugin, token: String(row.token) }))
    return claimed
  }

  /**
   * Keeps this instance's leases alive while their attempts run. A claim whose lease is gone
   * (renewals failed for longer than the lease, and another instance took the delivery over) is
   * dropped: its outcome will not count, and the delivery may run twice (at least once holds).
   */
  async #renewLeases(): Promise<void> {
    if (this.#closed || this.#claimed.size === 0) return
    // A lost claim stays in #claimed (this instance never claims what it still runs) but is
    // neither renewed nor reported again.
    const held = [...this.#claimed].filter(([, claim]) => !claim.lost)
    if (held.length === 0) return
    try {
      const kept = new Set(
        (
          await this.#sql<Array<{ token: string }>>`SELECT gateway_renew AS token FROM gateway_renew(${held.map(([, c]) => c.token)}::int8[], ${this.#leaseMs})`
        ).map((r) => String(r.token)),
      )
      const lost = held.filter(([id, claim]) => !kept.has(claim.token) && this.#claimed.get(id) === claim).map(([id]) => id)
      for (const id of lost) this.#claimed.get(id)!.lost = true
      if (lost.length > 0)
        this.#warn('delivery leases lost (renewals failed for longer than store.leaseSeconds); those deliveries may run twice', { deliveryIds: lost })
    } catch {
      // The next renewal tries again.
    }
  }

  /** Forgets claim `token` on `id` (never a newer claim of the same delivery) and wakes its queue. */
  unclaim(id: number, token: string): void {
    const claim = this.#claimed.get(id)
    if (claim === undefined || claim.token !== token) return
    this.#claimed.delete(id)
    this.#onReleased(claim.plugin)
  }

  /** Never rejects: if the database is unreachable the lease simply expires. */
  release(id: number): Promise<void> {
    const token = this.tokenOf(id)
    const work = (async () => {
      try {
        if (!this.#closed) await this.#sql`DELETE FROM gateway_leases WHERE delivery_id = ${id} AND token = ${token}`
      } catch {
        // Expires after leaseSeconds instead.
      } finally {
        this.unclaim(id, token)
      }
    })()
    return this.#track(work)
  }

  /** Resolves once no claim or release is under way. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  /** Stops claiming, renewing and releasing. Leases still held are left to expire. */
  close(): void {
    this.#closed = true
    clearInterval(this.#renewTimer)
  }
}
