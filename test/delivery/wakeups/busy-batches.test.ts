/**
 * While the serving thread is saturated (the dispatcher's `busy`), a lane starts its deliveries
 * in batches of up to its concurrency, 50 ms apart, and leaves the thread to acknowledgements in
 * between (src/delivery/lane.ts). Not busy, it starts them as slots free up.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import type { Dispatcher } from '../../../src/delivery/dispatcher.ts'
import type { SqliteStore } from '../../../src/store/sqlite/store.ts'
import { dispatcher, event, newStore, spec, waitFor } from './harness.ts'

let store: SqliteStore | undefined
let d: Dispatcher | undefined
afterEach(async () => {
  await d?.stop(500)
  await store?.close()
  d = undefined
  store = undefined
})

/** Delivers 12 events through one lane of concurrency 4; returns each delivery's start time. */
async function starts(busy: boolean): Promise<number[]> {
  store = newStore()
  const started: number[] = []
  d = dispatcher(store, [spec('p', async () => void started.push(performance.now()), { concurrency: 4 })], { busy: () => busy })
  await Promise.all(Array.from({ length: 12 }, () => store!.append(event(['p']))))
  d.start()
  expect(await waitFor(() => started.length === 12, 5000)).toBe(true)
  const first = started[0]!
  return started.map((t) => t - first)
}

describe('lanes while the thread is saturated', () => {
  it('start a batch of up to the concurrency, then wait 50 ms before the next, and deliver everything', async () => {
    const times = await starts(true)
    // Three batches of four: each batch starts within a few ms, batches about 50 ms apart.
    const batches = [times.slice(0, 4), times.slice(4, 8), times.slice(8, 12)]
    for (const batch of batches) expect(Math.max(...batch) - Math.min(...batch)).toBeLessThan(25)
    expect(batches[1]![0]! - batches[0]![0]!).toBeGreaterThanOrEqual(45)
    expect(batches[2]![0]! - batches[1]![0]!).toBeGreaterThanOrEqual(45)
  })

  it('start deliveries as slots free up when the thread is not saturated', async () => {
    const times = await starts(false)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    // No 50 ms gate between batches (a shared machine may still pause the thread briefly).
    expect(Math.max(...gaps)).toBeLessThan(40)
  })
})
