/**
 * The SQLite store's dedup window: in memory (checked before anything is written) and rebuilt
 * from the stored events at start. Past MAX_DEDUP_KEYS the oldest keys go first, which
 * shortens the window rather than growing the process: measured ~270 bytes a key in Bun, so
 * at most ~55 MB. 200,000 covers 333 distinct callbacks a second over the default 600 s window.
 */
import type { AppendResult } from '../store.ts'
import { unrefTimer } from '../../timeout.ts'

const MAX_DEDUP_KEYS = 200_000
/** Expired keys are dropped from memory this often. */
const SWEEP_MS = 60_000

export class DedupWindow {
  /** Dedup key → receivedAt of the stored event, oldest first (Map keeps insertion order). */
  #recent = new Map<string, number>()
  /** First copies not committed yet: a duplicate shares their fate (never 200 if they fail). */
  #pending = new Map<string, Promise<AppendResult>>()
  #timer: ReturnType<typeof setInterval>

  constructor(readonly windowMs: number) {
    this.#timer = setInterval(() => this.#sweep(Date.now()), SWEEP_MS)
    unrefTimer(this.#timer)
  }

  /** Rebuilds the window from stored (key, receivedAt) rows, newest first. */
  load(newestFirst: Iterable<{ dedup_key: string | null; received_at: number }>): void {
    const cutoff = Date.now() - this.windowMs
    const found: Array<[string, number]> = []
    for (const row of newestFirst) {
      if (row.received_at <= cutoff) break
      if (row.dedup_key) found.push([row.dedup_key, row.received_at])
      if (found.length >= MAX_DEDUP_KEYS) break
    }
    for (let i = found.length - 1; i >= 0; i--) this.#recent.set(found[i]![0], found[i]![1])
  }

  /**
   * The answer for a copy of an event seen within the window, or, for a first copy, stores it
   * through `store` with the key claimed now, synchronously: an identical callback a moment
   * later is a duplicate even though this one is not committed yet. Given back if it fails.
   */
  append(key: string, receivedAt: number, store: () => Promise<AppendResult>): Promise<AppendResult> {
    const seen = this.#recent.get(key)
    if (seen !== undefined && seen > receivedAt - this.windowMs) {
      const first = this.#pending.get(key)
      return first ? first.then(() => 'duplicate') : Promise.resolve('duplicate')
    }
    this.#recent.delete(key)
    this.#recent.set(key, receivedAt)
    if (this.#recent.size > MAX_DEDUP_KEYS) this.#recent.delete(this.#recent.keys().next().value!)
    const stored = store().catch((error: unknown) => {
      if (this.#recent.get(key) === receivedAt) this.#recent.delete(key)
      throw error
    })
    this.#pending.set(key, stored)
    const forget = () => {
      if (this.#pending.get(key) === stored) this.#pending.delete(key)
    }
    stored.then(forget, forget)
    return stored
  }

  #sweep(now: number): void {
    const cutoff = now - this.windowMs
    for (const [key, seenAt] of this.#recent) {
      if (seenAt > cutoff) break
      this.#recent.delete(key)
    }
  }

  close(): void {
    clearInterval(this.#timer)
  }
}
