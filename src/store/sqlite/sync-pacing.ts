/**
 * Adaptive batching for the SQLite writer with `sync: full` (docs/design.md §7.1). Writes that
 * arrive while a WAL fdatasync is under way would only wait for the next one anyway: instead of
 * a commit of their own each turn, they are held and committed together once the sync ends, so
 * one commit and one fdatasync cover them all. Under load the next sync also starts no sooner
 * than `spacingMs` after the last one began, which bounds fsyncs per second; an idle store
 * commits at once. Nothing is acknowledged earlier or differently: a held write is committed
 * and fdatasynced before its promise resolves, exactly as before.
 */
export class SyncPacing {
  #spacingMs: number
  #syncing = false
  #startedAt = -Infinity
  #waiting: (() => void) | undefined
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(spacingMs: number) {
    this.#spacingMs = spacingMs
  }

  /**
   * True when the commit should wait: `flush` is then called once the sync under way ends, or
   * once the spacing since the last sync's start has passed.
   */
  hold(flush: () => void): boolean {
    if (this.#syncing) {
      this.#waiting = flush
      return true
    }
    if (this.#timer) return true
    const wait = this.#startedAt + this.#spacingMs - performance.now()
    if (wait <= 0) return false
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      flush()
    }, wait)
    return true
  }

  /** A WAL sync starts. */
  started(): void {
    this.#syncing = true
    this.#startedAt = performance.now()
  }

  /** The sync ended: a held commit goes ahead (or waits out the spacing). */
  ended(): void {
    this.#syncing = false
    const flush = this.#waiting
    this.#waiting = undefined
    flush?.()
  }

  /** Closing: nothing is held any more; the writer flushes what is queued itself. */
  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#waiting = undefined
  }
}
