/**
 * Callbacks and attempt outcomes per minute, counted in memory as they commit, for the last
 * hour. The SQLite store uses it: one process owns the file, so its counts are all there is;
 * they start at zero when the process starts (docs/design.md §10).
 */
import { emptyMinutes, type ActivityMinute, type AttemptOutcome } from './event-log.ts'

const MINUTE_MS = 60_000
const KEEP_MINUTES = 61

export class ActivityCounter {
  #minutes = new Map<number, ActivityMinute>()

  #at(time: number): ActivityMinute {
    const minute = Math.floor(time / MINUTE_MS) * MINUTE_MS
    let counts = this.#minutes.get(minute)
    if (!counts) {
      this.#minutes.set(minute, (counts = { minute, callbacks: 0, done: 0, retry: 0, dead: 0 }))
      const oldest = minute - KEEP_MINUTES * MINUTE_MS
      for (const key of this.#minutes.keys()) if (key < oldest) this.#minutes.delete(key)
    }
    return counts
  }

  callback(time = Date.now()): void {
    this.#at(time).callbacks++
  }

  outcome(outcome: AttemptOutcome, time = Date.now()): void {
    this.#at(time)[outcome]++
  }

  minutes(since: number, now = Date.now()): ActivityMinute[] {
    return emptyMinutes(since, now).map((empty) => ({ ...(this.#minutes.get(empty.minute) ?? empty) }))
  }
}
