/** Counts turns of the event loop while `work` runs: zero when it held the thread from start to end. */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0
  let ticking = true
  const tick = () => {
    if (!ticking) return
    turns++
    setImmediate(tick)
  }
  setImmediate(tick)
  try {
    return { result: await work(), turns }
  } finally {
    ticking = false
  }
}
