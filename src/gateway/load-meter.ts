/**
 * Whether the serving thread is saturated by callbacks, so deliveries can yield it to
 * acknowledgements (the dispatcher's `busy`; docs/design.md §6).
 *
 * Two signals, both needed, each kept over the current and the previous 100 ms window:
 *   - callbacks arrive faster than BUSY_PER_WINDOW (1,500/s);
 *   - the event loop lags: a timer due every PROBE_MS fired LAG_MS or more late, which means
 *     a turn of the loop took that long, so acknowledgements are queuing behind work.
 * The rate alone used to decide, but 2,000/s of ordinary callbacks leave the thread mostly
 * idle: cutting lanes to one delivery at a time there broke the file logger's and the
 * outcomes' batching and cost about 150 µs a callback (docs/performance.md), for no gain.
 * The probe runs only while the rate is high, so an idle gateway has no timer to wake it.
 */
import { unrefTimer } from '../timeout.ts'

const WINDOW_MS = 100
const BUSY_PER_WINDOW = 150
const PROBE_MS = 10
const LAG_MS = 4

export interface LoadMeter {
  /** One callback arrived. */
  tick(): void
  busy(): boolean
  /** Stops the probe (shutdown). */
  stop(): void
}

/** @param lagMs how late the probe must fire to count as lag; @default 4 */
export function createLoadMeter({ lagMs = LAG_MS } = {}): LoadMeter {
  let window = 0
  let current = 0
  let previous = 0
  let lagCurrent = 0
  let lagPrevious = 0
  let probe: ReturnType<typeof setTimeout> | undefined
  let expected = 0
  let stopped = false

  const roll = (now: number) => {
    const w = Math.floor(now / WINDOW_MS)
    if (w === window) return
    const next = w === window + 1
    previous = next ? current : 0
    lagPrevious = next ? lagCurrent : 0
    current = 0
    lagCurrent = 0
    window = w
  }
  const rateHigh = () => current > BUSY_PER_WINDOW || previous > BUSY_PER_WINDOW

  function schedule(): void {
    expected = performance.now() + PROBE_MS
    // Housekeeping: the probe must never keep a stopping process alive.
    probe = unrefTimer(setTimeout(onProbe, PROBE_MS))
  }
  function onProbe(): void {
    probe = undefined
    roll(Date.now())
    lagCurrent = Math.max(lagCurrent, performance.now() - expected)
    if (!stopped && rateHigh()) schedule()
  }

  return {
    tick() {
      roll(Date.now())
      current++
      if (probe === undefined && !stopped && current > BUSY_PER_WINDOW) schedule()
    },
    busy() {
      roll(Date.now())
      return rateHigh() && Math.max(lagCurrent, lagPrevious) >= lagMs
    },
    stop() {
      stopped = true
      clearTimeout(probe)
      probe = undefined
    },
  }
}
