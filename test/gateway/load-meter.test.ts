/**
 * The dispatcher's `busy` (src/gateway/load-meter.ts): deliveries yield the thread only when
 * callbacks arrive fast AND the event loop lags behind them, not at a high but easy rate.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { createLoadMeter, type LoadMeter } from '../../src/gateway/load-meter.ts'

const meters: LoadMeter[] = []
const meter = (options?: { lagMs?: number }) => {
  const m = createLoadMeter(options)
  meters.push(m)
  return m
}
afterEach(() => {
  for (const m of meters.splice(0)) m.stop()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const blockThread = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until) {}
}
const ticks = (m: LoadMeter, n: number) => {
  for (let i = 0; i < n; i++) m.tick()
}

describe('load meter', () => {
  it('is not busy at a high rate while the event loop keeps up', async () => {
    // A wider lag threshold than the default: a shared CI machine may deschedule the thread briefly.
    const m = meter({ lagMs: 15 })
    ticks(m, 400)
    await sleep(25)
    ticks(m, 400)
    await sleep(25)
    expect(m.busy()).toBe(false)
  })

  it('is busy at a high rate once the event loop lags', async () => {
    const m = meter()
    ticks(m, 400)
    blockThread(30)
    // The probe, due 10 ms after the first ticks, fires about 20 ms late.
    await sleep(15)
    ticks(m, 400)
    expect(m.busy()).toBe(true)
  })

  it('is not busy when the loop lags but few callbacks arrive', async () => {
    const m = meter()
    ticks(m, 20)
    blockThread(30)
    await sleep(15)
    expect(m.busy()).toBe(false)
  })

  it('stops probing once stopped, so nothing keeps the process awake', async () => {
    const m = meter()
    ticks(m, 400)
    m.stop()
    blockThread(30)
    await sleep(15)
    ticks(m, 400)
    expect(m.busy()).toBe(false)
  })
})
