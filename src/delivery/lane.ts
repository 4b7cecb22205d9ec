/**
 * One plugin instance's lane: its concurrency, its buffer of claimed deliveries, its timer
 * for the next due retry, and its held outcomes. The dispatcher owns the lanes and makes the
 * attempts; a lane decides when to claim and start them.
 */
import type { ClaimedDelivery } from '../store/store.ts'
import type { Dispatcher, LaneSpec } from './dispatcher.ts'
import { HeldOutcomes } from './held-outcomes.ts'

/** While the thread is saturated, a lane starts deliveries at most this often, a batch at a time. */
const BUSY_BATCH_MS = 50
/** setTimeout's limit; a later retry is re-checked when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1
export class Lane {
  inFlight = 0
  /** Replaced or removed by a config reload: claims nothing more, finishes what it holds. */
  retired = false
  #pumping = false
  #again = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #timerAt = Infinity
  /** The earliest claim time since the last next-due lookup (Infinity: none). */
  #claimedAt = Infinity
  /**
   * The store may hold due work this lane has not claimed (docs/design.md §6): set by every wake
   * (an append, a retry's time, the heartbeat, a claim given back), kept by a claim that filled
   * its limit, cleared by one that came back short. A completion alone adds no work, so it
   * claims only while this is set: one claim per wake-up instead of one per delivery.
   * A shared queue (PostgreSQL) claims on every completion, as other instances add work there.
   */
  #due = true
  /** The timer fired: look up the next retry time again (it finds retries of earlier runs too). */
  #check = true
  /** The next claim reads the whole queue (ClaimOptions.sweep): set by the timer and after an error. */
  #sweep = true
  #drained: Array<() => void> = []
  /** While saturated: when the last batch of starts began (performance.now()), and the timer that opens the next. */
  #batchAt = -Infinity
  #gate: ReturnType<typeof setTimeout> | undefined
  /**
   * Claimed deliveries not yet started: one store query refills it for several attempts,
   * instead of one query per completed delivery. Bounded (at most 4 × concurrency, 256).
   */
  #buffer: ClaimedDelivery[] = []
  /** Outcomes the store refused: while any is held the lane starts nothing (held-outcomes.ts). */
  readonly held: HeldOutcomes

  constructor(
    readonly spec: LaneSpec,
    private readonly dispatcher: Dispatcher,
  ) {
    this.held = new HeldOutcomes({
      plugin: spec.id,
      logger: dispatcher.logger,
      stopping: () => dispatcher.stopping,
      release: (id) => void dispatcher.store.release(id),
      settled: () => {
        this.#settled()
        this.wake()
      },
    })
  }

  /** New work may be due for this lane: claim it when a slot is free. */
  wake(): void {
    this.#due = true
    void this.pump()
  }

  /** A retry of this lane's becomes due at `at` (its outcome is committed): wake then. */
  wakeAt(at: number): void {
    // A shared queue looks its next retry up after each claim (#scheduleNext) instead.
    if (this.dispatcher.stopping || this.retired || this.dispatcher.store.shared) return
    this.#setTimer(at)
  }

  /** Fill free slots with due deliveries; safe to call at any time and often. */
  async pump(): Promise<void> {
    if (this.dispatcher.stopping || this.retired) return
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = true
    try {
      // A wake that arrives while this loop awaits (the fill or the next-due lookup) runs it again.
      do {
        this.#again = false
        await this.#fill()
        await this.#scheduleNext()
      } while (this.#again && !this.dispatcher.stopping && !this.retired)
    } catch (error) {
      this.dispatcher.logger.error('dispatcher could not read the store', { plugin: this.spec.id, error })
      // Try again on the heartbeat rather than wait for the next append.
      this.#due = true
      this.#sweep = true
      this.#setTimer(Date.now() + this.dispatcher.heartbeatMs)
    } finally {
      this.#pumping = false
    }
  }

  async #fill(): Promise<void> {
    const { store } = this.dispatcher
    const ordered = this.spec.concurrency === 1
    for (;;) {
      if (this.dispatcher.stopping || this.retired || this.held.size > 0) return
      // Saturated (the dispatcher's busy): deliveries start in batches BUSY_BATCH_MS apart, so
      // they keep batching (one log fdatasync, one outcome commit for many) and leave the thread
      // to acknowledgements in between, while the backlog waits on disk.
      if (this.dispatcher.busy() && this.#gated()) return
      const slots = this.spec.concurrency
      while (this.inFlight < slots && this.#buffer.length > 0) this.#start(this.#buffer.shift()!)
      if (this.inFlight >= slots) {
        // Claims on a shared queue count against the cluster's concurrency: what cannot start
        // now (a burst cut the lane to one slot meanwhile) goes back for other instances.
        if (store.shared) for (const delivery of this.#buffer.splice(0)) void store.release(delivery.id)
        return
      }
      if (!this.#due && !store.shared) return
      this.#due = false
      // A shared queue is claimed only for free slots: a prefetched claim would hold a lease
      // that another instance could be using.
      const limit = ordered ? 1 : store.shared ? slots - this.inFlight : Math.min(256, this.spec.concurrency * 4)
      const claimAt = Date.now()
      this.#claimedAt = Math.min(this.#claimedAt, claimAt)
      const sweep = this.#sweep
      this.#sweep = false
      const claimed = await store.claimDue(this.spec.id, { now: claimAt, limit, ordered, concurrency: this.spec.concurrency, sweep })
      if (this.dispatcher.stopping || this.retired) {
        // Retired or stopped while the claim was under way: give the claims back, or they
        // would be held by a lane that never starts them.
        const released = claimed.map((delivery) => store.release(delivery.id))
        // The lane that replaced this one (a reload) may be idle: tell it they are due again.
        if (this.retired && claimed.length) void Promise.allSettled(released).then(() => this.dispatcher.wake(this.spec.id))
        return
      }
      // A full claim may have left more behind. An ordered lane's next head waits for this one's
      // outcome; the store's release of it wakes the lane (dispatcher.ts).
      if (claimed.length >= limit && !ordered) this.#due = true
      if (claimed.length === 0) return
      this.#buffer.push(...claimed)
    }
  }

  /** True when a batch started less than BUSY_BATCH_MS ago: the lane pumps again when the gate opens. */
  #gated(): boolean {
    const now = performance.now()
    if (this.#gate) return true
    const wait = this.#batchAt + BUSY_BATCH_MS - now
    if (wait <= 0) {
      this.#batchAt = now
      return false
    }
    this.#gate = setTimeout(() => {
      this.#gate = undefined
      void this.pump()
    }, wait)
    return true
  }

  #start(delivery: ClaimedDelivery): void {
    this.inFlight++
    void this.dispatcher.attempt(this, delivery).finally(() => {
      this.inFlight--
      this.#settled()
      void this.pump()
    })
  }

  #settled(): void {
    if (this.inFlight === 0 && this.held.size === 0) for (const resolve of this.#drained.splice(0)) resolve()
  }

  async #scheduleNext(): Promise<void> {
    if (this.dispatcher.stopping || this.retired) return
    if (!this.dispatcher.store.shared) {
      // This process's retries set their own timers (wakeAt); the lookup runs at start and when
      // the timer fires (the heartbeat, which also finds work another process wrote).
      if (this.#timer && !this.#check) return
      this.#check = false
    }
    // Busy lanes are pumped again by their own completions; only an idle one needs a timer.
    else if (this.#buffer.length > 0 || this.inFlight >= this.spec.concurrency) return
    const now = Date.now()
    // From the earliest claim since the last lookup, not from now: a retry that fell due while
    // a claim (and the synchronous start of what it returned) ran was neither claimed nor is it
    // after `now`; looked up from the claim's time it gets a timer that fires at once.
    const after = Math.min(now, this.#claimedAt)
    this.#claimedAt = Infinity
    const next = await this.dispatcher.store.nextDueAt(this.spec.id, after)
    this.#setTimer(Math.min(next ?? Infinity, now + this.dispatcher.heartbeatMs))
  }

  #setTimer(at: number): void {
    const now = Date.now()
    if (this.#timer && this.#timerAt <= at) return
    clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#timerAt = Infinity
        this.#check = true
        this.#sweep = true
        this.wake()
      },
      Math.min(Math.max(0, at - now), MAX_TIMER_MS),
    )
  }

  /** Stops the timer and gives back claimed deliveries that never started; held outcomes get one last try. */
  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    clearTimeout(this.#gate)
    this.#gate = undefined
    for (const delivery of this.#buffer.splice(0)) void this.dispatcher.store.release(delivery.id)
    this.held.flush()
  }

  /** Nothing in flight, no outcome held and nothing claimed waiting to start. */
  idle(): boolean {
    return this.inFlight === 0 && this.held.size === 0 && this.#buffer.length === 0
  }

  /** Resolves when nothing is in flight and no outcome is held. */
  drained(): Promise<void> {
    return this.inFlight === 0 && this.held.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#drained.push(resolve))
  }
}
