/**
 * Group commit, written once. Items added while a batch waits to start or is being flushed
 * are flushed together, one batch at a time, so N concurrent writers cost one write (and one
 * fsync) instead of N. The flush settles its items itself (they carry their own resolve and
 * reject). Used by the SQLite store's WAL sync, the PostgreSQL store's writer and the file
 * logger (docs/design.md §7).
 */
export interface GroupCommitOptions {
  /**
   * When a batch starts once an item arrives. By default a microtask later, so every item added
   * in the same synchronous run joins it; setImmediate gathers the requests read in one turn
   * of the event loop.
   */
  schedule?: (start: () => void) => void
}

export class GroupCommit<T> {
  #queue: T[] = []
  #scheduled = false
  #running: Promise<void> | undefined
  #flush: (batch: T[]) => Promise<void> | void
  #schedule: (start: () => void) => void

  constructor(flush: (batch: T[]) => Promise<void> | void, options: GroupCommitOptions = {}) {
    this.#flush = flush
    this.#schedule = options.schedule ?? queueMicrotask
  }

  add(item: T): void {
    this.#queue.push(item)
    this.#kick()
  }

  /** Items added and not handed to a flush yet. */
  get queued(): readonly T[] {
    return this.#queue
  }

  /** Takes the queued items back: they will not be flushed (a closing store refuses them). */
  takeQueued(): T[] {
    return this.#queue.splice(0)
  }

  /** Resolves once nothing is queued, waiting to start or being flushed. */
  async drain(): Promise<void> {
    while (this.#running || this.#scheduled || this.#queue.length > 0) {
      if (this.#running) await this.#running
      else await new Promise((resolve) => setImmediate(resolve))
    }
  }

  #kick(): void {
    if (this.#scheduled || this.#running || this.#queue.length === 0) return
    this.#scheduled = true
    this.#schedule(() => {
      this.#scheduled = false
      const batch = this.#queue.splice(0)
      if (batch.length === 0) return
      // A flush settles its own items; one that throws anyway must not stop the next batch.
      this.#running = (async () => this.#flush(batch))()
        .catch(() => {})
        .finally(() => {
          this.#running = undefined
          this.#kick()
        })
    })
  }
}
