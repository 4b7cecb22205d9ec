/**
 * Delivery outcomes the store refused (disk full, store failed), held by their lane. While
 * any is held the lane starts nothing: delivering more would only make more outcomes it
 * cannot record, and releasing them would deliver the same events again at once (a hot
 * loop). They are written again after 100 ms, doubling up to 5 s; when they all landed the
 * lane resumes. The store keeps each delivery claimed meanwhile, so nothing is handed out
 * twice.
 */
import type { Logger } from '../log.ts'
import type { ClaimedDelivery } from '../store/store.ts'

const FIRST_MS = 100
const MAX_MS = 5000

interface Held {
  delivery: ClaimedDelivery
  write: () => Promise<void>
}

export interface HeldOutcomesOptions {
  plugin: string
  logger: Logger
  /** True once the dispatcher is shutting down: a failed rewrite then gives up. */
  stopping: () => boolean
  /** Gives a claim back (the delivery stays pending). */
  release: (id: number) => void
  /** Every held outcome landed, or was given up: the lane may go on. */
  settled: () => void
}

export class HeldOutcomes {
  #held = new Map<number, Held>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #delay = 0
  /** A rewrite is under way: never two at once (each write counts an attempt). */
  #writing = false

  constructor(private readonly options: HeldOutcomesOptions) {}

  get size(): number {
    return this.#held.size
  }

  /** Writes an outcome; if the store refuses it, holds it. */
  record(delivery: ClaimedDelivery, write: () => Promise<void>): void {
    write().catch((error: unknown) => this.#hold({ delivery, write }, error))
  }

  #hold(held: Held, error: unknown): void {
    const first = this.#held.size === 0
    this.#held.set(held.delivery.id, held)
    if (!first) return
    this.#delay = this.#delay ? Math.min(MAX_MS, this.#delay * 2) : FIRST_MS
    this.options.logger.error('could not record a delivery outcome; this plugin instance sends nothing more until the store accepts writes again', {
      plugin: this.options.plugin,
      deliveryId: held.delivery.id,
      retryInMs: this.#delay,
      error,
    })
    this.#schedule()
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#write(), this.#delay)
  }

  /** Writes every held outcome again. */
  async #write(): Promise<void> {
    this.#timer = undefined
    const held = [...this.#held.values()]
    this.#writing = true
    const results = await Promise.allSettled(held.map((h) => h.write()))
    this.#writing = false
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') this.#held.delete(held[i]!.delivery.id)
    })
    if (this.#held.size === 0) {
      this.options.logger.info('the store accepts delivery outcomes again; deliveries resume', { plugin: this.options.plugin, written: held.length })
      this.#delay = 0
      this.options.settled()
      return
    }
    // Stopping: one last try was made; what is still held stays pending for the next start.
    if (this.options.stopping()) return this.abandon()
    this.#delay = Math.min(MAX_MS, this.#delay * 2)
    this.#schedule()
  }

  /** One last try now (shutdown, or the lane retired); a rewrite under way counts as that try. */
  flush(): void {
    if (this.#held.size === 0 || this.#writing) return
    clearTimeout(this.#timer)
    void this.#write()
  }

  /** Gives up: the deliveries stay pending and are made again after a restart. */
  abandon(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#held.size > 0) {
      for (const id of this.#held.keys()) this.options.release(id)
      this.options.logger.warn('delivery outcomes not recorded at shutdown; those deliveries stay pending and are made again at the next start', {
        plugin: this.options.plugin,
        deliveryIds: [...this.#held.keys()],
      })
    }
    this.#held.clear()
    this.options.settled()
  }
}
