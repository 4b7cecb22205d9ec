/**
 * The SQLite store's dedup window: in memory (checked before anything is written) and rebuilt
 * from the stored events at start. Past MAX_DEDUP_KEYS the oldest keys go first, which
 * shortens the window rather than growing the process. The keys live in a KeyTable (key-table.ts),
 * 128 bits and a time each in typed arrays: about 43 bytes a key, so at most ~9 MB
 * (`npx bun bench/dedup-memory.ts`). 200,000 covers 333 distinct callbacks a second over the
 * default 600 s window.
 *
 * It also remembers the decision of keys whose event has one (Before callbacks), so a repeated
 * callback is answered from it (recall). Those live in a map by slot, so the common After
 * callback costs nothing more; a decision leaves memory with its key (expired, evicted, failed).
 */
import type { AppendResult } from '../store.ts'
import { unrefTimer } from '../../timeout.ts'
import { digestKey, KeyTable } from './key-table.ts'

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
  /** Dedup key → receivedAt of the stored event, oldest first. */
  #recent: KeyTable
  /** First copies not committed yet: a duplicate shares their fate (never 200 if they fail). */
  #pending = new Map<string, Promise<AppendResult>>()
  /** Slot in #recent → the decision stored with its event, only for keys whose event has one. */
  #decisions = new Map<number, string>()
  #timer: ReturnType<typeof setInterval>

  /** `maxKeys` is for tests. */
  constructor(
    readonly windowMs: number,
    maxKeys = MAX_DEDUP_KEYS,
  ) {
    this.#recent = new KeyTable(maxKeys, (slot) => this.#decisions.delete(slot))
    this.#timer = setInterval(() => this.#sweep(Date.now()), SWEEP_MS)
    unrefTimer(this.#timer)
  }

  /** Keys held now, expired ones included until the next sweep. */
  get size(): number {
    return this.#recent.size
  }

  /** Rebuilds the window from stored (key, receivedAt, decision) rows, newest first. */
  load(newestFirst: Iterable<DedupRow>): void {
    const cutoff = Date.now() - this.windowMs
    const found: DedupRow[] = []
    for (const row of newestFirst) {
      if (row.received_at <= cutoff) break
      if (row.dedup_key) found.push(row)
      if (found.length >= this.#recent.maxKeys) break
    }
    for (let i = found.length - 1; i >= 0; i--) this.#remember(found[i]!.dedup_key!, found[i]!.received_at, found[i]!.decision ?? undefined)
  }

  /** Claims `key` for an event received at `receivedAt`, newest last, evicting the oldest key past the cap. */
  #remember(key: string, receivedAt: number, decision: string | undefined): void {
    const slot = this.#recent.add(digestKey(key), receivedAt)
    if (decision !== undefined) this.#decisions.set(slot, decision)
  }

  /** The slot of `key` if it was seen within the window of `receivedAt`, else -1. */
  #seen(key: string, receivedAt: number): number {
    const slot = this.#recent.find(digestKey(key))
    return slot >= 0 && this.#recent.timeOf(slot) > receivedAt - this.windowMs ? slot : -1
  }

  /**
   * The answer for a copy of an event seen within the window, or, for a first copy, stores it
   * through `store` with the key claimed now, synchronously: an identical callback a moment
   * later is a duplicate even though this one is not committed yet. Given back if it fails.
   */
  append(key: string, receivedAt: number, decision: string | undefined, store: () => Promise<AppendResult>): Promise<AppendResult> {
    if (this.#seen(key, receivedAt) >= 0) {
      const first = this.#pending.get(key)
      return first ? first.then(() => 'duplicate') : Promise.resolve('duplicate')
    }
    this.#remember(key, receivedAt, decision)
    const stored = store().catch((error: unknown) => {
      const slot = this.#recent.find(digestKey(key))
      if (slot >= 0 && this.#recent.timeOf(slot) === receivedAt) this.#recent.delete(slot)
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
    const slot = this.#seen(key, receivedAt)
    if (slot < 0) return Promise.resolve(undefined)
    // Taken now: it belongs to the copy that holds the key now, whatever claims the key later.
    const decision = this.#decisions.get(slot)
    const first = this.#pending.get(key)
    if (!first) return Promise.resolve(decision)
    // A first copy that fails to commit was never stored: there is nothing to recall.
    return first.then(() => decision).catch(() => undefined)
  }

  #sweep(now: number): void {
    this.#recent.sweep(now - this.windowMs)
  }

  close(): void {
    clearInterval(this.#timer)
  }
}
