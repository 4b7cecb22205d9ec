/**
 * Whether the serving thread is saturated by callbacks, so deliveries can yield it to
 * acknowledgements (the dispatcher's `busy`; docs/design.md §6).
 *
 * Two signals, both needed, each over the current and the previous 100 ms window:
 *   - callbacks arrive faster than BUSY_PER_WINDOW (1,500/s);
 *   - the event loop lags: a timer due every PROBE_MS fires LAG_MS late or more on average,
 *     so turns of the loop are long and acknowledgements queue behind work.
 * The rate alone used to decide. But 2,000/s of ordinary callbacks leave the thread mostly idle
 * (mean lag about 0.2 ms, against 1.3 ms at saturation), and cutting the lanes back there broke
 * the file logger's and the outcomes' batching for nothing: about 150 µs a callback
 * (docs/performance.md). The probe runs only while the rate is high, so an idle gateway has no
 * timer to wake it.
 */
import { unrefTimer } from '../timeout.ts'

const WINDOW_MS = 100
const BUSY_PER_WINDOW = 150
const PROBE_MS = 10
const LAG_MS = 0.6

export interface LoadMeter {
  /** One callback arrived. */
  tick(): void
  busy(): boolean
  /** Stops the probe (shutdown). */
  stop(): void
}

/** @param lagMs the mean lateness of the probe that counts as a saturated loop; @default 0.6 */
export function createLoadMeter({ lagMs = LAG_MS } = {}): LoadMeter {
  let window = 0
  let current = 0
  let previous = 0
  /** Probe lateness summed, and probes counted, per window. */
  let lag = [0, 0]
  let lagBefore = [0, 0]
  let probe: ReturnType<typeof setTimeout> | undefined
  let expected = 0
  let stopped = false

  const roll = (now: number) => {
    const w = Math.floor(now / WINDOW_MS)
    if (w === window) return
    const next = w === window + 1
    previous = next ? current : 0
    lagBefore = next ? lag : [0, 0]
    current = 0
    lag = [0, 0]
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
    lag = [lag[0]! + Math.max(0, performance.now() - expected), lag[1]! + 1]
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
      const probes = lag[1]! + lagBefore[1]!
      return rateHigh() && probes > 0 && (lag[0]! + lagBefore[0]!) / probes >= lagMs
    },
    stop() {
      stopped = true
      clearTimeout(probe)
      probe = undefined
    },
  }
}
