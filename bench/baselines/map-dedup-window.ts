// The Map-based dedup window as it was before the key table (src/store/sqlite/dedup-window.ts before aa665f9): the baseline of bench/dedup-memory.ts and the reference model of test/delivery/wakeups/dedup-model.test.ts. maxKeys and sweepNow added for those.
/**
 * The SQLite store's dedup window: in memory (checked before anything is written) and rebuilt
 * from the stored events at start. Past MAX_DEDUP_KEYS the oldest keys go first, which
 * shortens the window rather than growing the process: measured ~270 bytes a key in Bun, so
 * at most ~55 MB. 200,000 covers 333 distinct callbacks a second over the default 600 s window.
 *
 * It also remembers the decision of keys whose event has one (Before callbacks), so a repeated
 * callback is answered from it (recall). Those live in a second map, so the common After
 * callback costs nothing more; a decision leaves memory with its key (expired, evicted, failed).
 */
import type { AppendResult } from '../../src/store/store.ts'
import { unrefTimer } from '../../src/timeout.ts'

const MAX_DEDUP_KEYS = 200_000
/** Expired keys are dropped from memory this often. */
const SWEEP_MS = 60_000

/** A stored event's row, as the window is rebuilt from it. */
export interface DedupRow {
  dedup_key: string | null
  received_at: number
  decision: string | null
}

export class DedupWindow {
  /** Dedup key → receivedAt of the stored event, oldest first (Map keeps insertion order). */
  #recent = new Map<string, number>()
  /** First copies not committed yet: a duplicate shares their fate (never 200 if they fail). */
  #pending = new Map<string, Promise<AppendResult>>()
  /** Dedup key → the decision stored with its event, only for keys in #recent whose event has one. */
  #decisions = new Map<string, string>()
  #timer: ReturnType<typeof setInterval>

  constructor(
    readonly windowMs: number,
    readonly maxKeys = MAX_DEDUP_KEYS,
  ) {
    this.#timer = setInterval(() => this.#sweep(Date.now()), SWEEP_MS)
    unrefTimer(this.#timer)
  }

  /** Rebuilds the window from stored (key, receivedAt, decision) rows, newest first. */
  load(newestFirst: Iterable<DedupRow>): void {
    const cutoff = Date.now() - this.windowMs
    const found: DedupRow[] = []
    for (const row of newestFirst) {
      if (row.received_at <= cutoff) break
      if (row.dedup_key) found.push(row)
      if (found.length >= this.maxKeys) break
    }
    for (let i = found.length - 1; i >= 0; i--) this.#remember(found[i]!.dedup_key!, found[i]!.received_at, found[i]!.decision ?? undefined)
  }

  /** Claims `key` for an event received at `receivedAt`, newest last, evicting the oldest key past the cap. */
  #remember(key: string, receivedAt: number, decision: string | undefined): void {
    this.#forget(key)
    this.#recent.set(key, receivedAt)
    if (decision !== undefined) this.#decisions.set(key, decision)
    if (this.#recent.size > this.maxKeys) this.#forget(this.#recent.keys().next().value!)
  }

  #forget(key: string): void {
    this.#recent.delete(key)
    this.#decisions.delete(key)
  }

  /**
   * The answer for a copy of an event seen within the window, or, for a first copy, stores it
   * through `store` with the key claimed now, synchronously: an identical callback a moment
   * later is a duplicate even though this one is not committed yet. Given back if it fails.
   */
  append(key: string, receivedAt: number, decision: string | undefined, store: () => Promise<AppendResult>): Promise<AppendResult> {
    const seen = this.#recent.get(key)
    if (seen !== undefined && seen > receivedAt - this.windowMs) {
      const first = this.#pending.get(key)
      return first ? first.then(() => 'duplicate') : Promise.resolve('duplicate')
    }
    this.#remember(key, receivedAt, decision)
    const stored = store().catch((error: unknown) => {
      if (this.#recent.get(key) === receivedAt) this.#forget(key)
      throw error
    })
    this.#pending.set(key, stored)
    const forget = () => {
      if (this.#pending.get(key) === stored) this.#pending.delete(key)
    }
    stored.then(forget, forget)
    return stored
  }

  /**
   * The decision stored with the event of `key`, if that event is within the window of
   * `receivedAt`. A first copy still committing is waited for: undefined if its commit fails.
   */
  recall(key: string, receivedAt: number): Promise<string | undefined> {
    const seen = this.#recent.get(key)
    if (seen === undefined || seen <= receivedAt - this.windowMs) return Promise.resolve(undefined)
    // Taken now: it belongs to the copy that holds the key now, whatever claims the key later.
    const decision = this.#decisions.get(key)
    const first = this.#pending.get(key)
    if (!first) return Promise.resolve(decision)
    // A first copy that fails to commit was never stored: there is nothing to recall.
    return first.then(() => decision).catch(() => undefined)
  }

  sweepNow(now: number): void {
    this.#sweep(now)
  }

  #sweep(now: number): void {
    const cutoff = now - this.windowMs
    for (const [key, seenAt] of this.#recent) {
      if (seenAt > cutoff) break
      this.#forget(key)
    }
  }

  close(): void {
    clearInterval(this.#timer)
  }
}
