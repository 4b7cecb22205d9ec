/**
 * A per-key sliding-window limit, exact: each key keeps the times of its counted events in the
 * last window (at most `max` of them, in a ring that grows as needed), and an event is over the
 * limit when `max` counted events are younger than the window. An event over the limit is not
 * counted, so a key that keeps trying is not locked out for longer.
 *
 * State lives in this process's memory: several gateway instances each count their own events,
 * and a restart (or a config reload that sets the plugin up again) forgets every count. At most
 * `maxKeys` keys are tracked; past that, the key counted least recently is forgotten, and its
 * next event starts a fresh window.
 */

export const MAX_KEYS = 100_000

/** The counted events of one key: a ring of timestamps, oldest at `head`. */
interface Window {
  times: number[]
  head: number
  size: number
}

export interface SlidingWindowLimit {
  /**
   * True when an event for `key` now would exceed the limit (and it is not counted); false when
   * it is within the limit, and then it is counted.
   */
  exceeded(key: string, now?: number): boolean
  /** Keys tracked (for tests). */
  readonly keys: number
}

export function slidingWindowLimit(max: number, windowMs: number, maxKeys = MAX_KEYS): SlidingWindowLimit {
  const windows = new Map<string, Window>()

  function expire(window: Window, now: number): void {
    const { times } = window
    while (window.size > 0 && now - times[window.head]! >= windowMs) {
      window.head = (window.head + 1) % times.length
      window.size--
    }
  }

  function record(window: Window, now: number): void {
    const { times } = window
    if (window.size === times.length) {
      // Full but under `max`: grow, unrolling the ring so the oldest is at 0 again.
      const grown = new Array<number>(Math.min(max, Math.max(4, times.length * 2))).fill(0)
      for (let i = 0; i < window.size; i++) grown[i] = times[(window.head + i) % times.length]!
      window.times = grown
      window.head = 0
    }
    window.times[(window.head + window.size) % window.times.length] = now
    window.size++
  }

  return {
    exceeded(key, now = performance.now()) {
      let window = windows.get(key)
      if (window) {
        expire(window, now)
        if (window.size >= max) return true
        // Re-inserted, so the map's first key is always the one counted least recently.
        windows.delete(key)
      } else {
        window = { times: [], head: 0, size: 0 }
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!)
      }
      record(window, now)
      windows.set(key, window)
      return false
    },
    get keys() {
      return windows.size
    },
  }
}
