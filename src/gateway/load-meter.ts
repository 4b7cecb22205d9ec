/**
 * How hard callbacks are arriving, so deliveries can yield the thread to acknowledgements
 * while they pour in (the dispatcher's `busy`).
 */
/**
 * Callbacks per 100 ms window. Busy above BUSY_PER_WINDOW (1,500/s) in the current or the
 * previous window: deliveries then yield the thread to acknowledgements (see Dispatcher busy).
 */
const WINDOW_MS = 100
const BUSY_PER_WINDOW = 150

export function createLoadMeter(): { tick(): void; busy(): boolean } {
  let window = 0
  let current = 0
  let previous = 0
  const roll = (now: number) => {
    const w = Math.floor(now / WINDOW_MS)
    if (w === window) return
    previous = w === window + 1 ? current : 0
    current = 0
    window = w
  }
  return {
    tick() {
      roll(Date.now())
      current++
    },
    busy() {
      roll(Date.now())
      return current > BUSY_PER_WINDOW || previous > BUSY_PER_WINDOW
    },
  }
}
