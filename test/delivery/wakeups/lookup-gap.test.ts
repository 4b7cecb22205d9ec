/**
 * A retry that falls due while its lane's claim runs is neither claimed nor scheduled
 * (src/delivery/lane.ts #scheduleNext): the claim used `now`, the next-due lookup a later
 * Date.now() and `next_at > after`, so a row with now < next_at <= after is skipped by both.
 * Its own wake-up was merged into the earlier timer (#setTimer keeps the earliest), so it waits
 * for the heartbeat (2 s in production; out of reach here).
 *
 * The store is the real SQLite store; its claim is made to take 15 ms (a claim query under load:
 * 5bb00d0 measured 600 ms of claim queries in an 8 s run), which makes the ms tick certain.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { RetryLater } from '../../../src/plugin.ts'
import type { Dispatcher } from '../../../src/delivery/dispatcher.ts'
import type { SqliteStore } from '../../../src/store/sqlite/store.ts'
import { dispatcher, event, newStore, spec, waitFor, type Deliver } from './harness.ts'

let store: SqliteStore | undefined
let d: Dispatcher | undefined
afterEach(async () => {
  await d?.stop(500)
  await store?.close()
})

function slowClaims(real: SqliteStore, ms: number): SqliteStore {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'claimDue')
        return async (plugin: string, options: { now: number }) => {
          const claimed = await target.claimDue(plugin, options as never)
          while (Date.now() < options.now + ms) {}
          return claimed
        }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as SqliteStore
}

for (const concurrency of [4])
  describe(`retry falling due during a claim (concurrency ${concurrency})`, () => {
    it('delivers a second retry due 4 ms after the first (no heartbeat in reach)', async () => {
      store = newStore()
      const done: number[] = []
      const failed = new Set<number>()
      const deliver: Deliver = async (e) => {
        const n = e.payload.n as number
        if (!failed.has(n)) {
          failed.add(n)
          // Two retries 4 ms apart: the lane keeps one timer, for the first.
          throw new RetryLater(failed.size === 1 ? 40 : 44)
        }
        done.push(n)
      }
      d = dispatcher(slowClaims(store, 15), [spec('a', deliver, { concurrency, maxDelayMs: 1000 })])
      d.start()
      await Promise.all([store.append(event(['a'])), store.append(event(['a']))])
      const ok = await waitFor(() => done.length === 2, 3000)
      await new Promise((r) => setTimeout(r, 50))
      expect({ ok, done: done.length, pending: (await store.stats()).map((s) => [s.plugin, s.pending]) }).toEqual({ ok: true, done: 2, pending: [] })
    })
  })

describe('retry falling due while a started delivery runs synchronously (real store, no proxy)', () => {
  it('delivers a second retry due 4 ms after the first when the first retry’s attempt spends 15 ms of CPU before its first await', async () => {
    store = newStore()
    const done: number[] = []
    const failed = new Set<number>()
    const deliver: Deliver = async (e) => {
      const n = e.payload.n as number
      if (!failed.has(n)) {
        failed.add(n)
        throw new RetryLater(failed.size === 1 ? 40 : 44)
      }
      // A plugin that signs or serialises a large body before its first await.
      const start = Date.now()
      while (Date.now() - start < 15) {}
      done.push(n)
    }
    d = dispatcher(store, [spec('a', deliver, { concurrency: 4, maxDelayMs: 1000 })])
    d.start()
    await Promise.all([store.append(event(['a'])), store.append(event(['a']))])
    const ok = await waitFor(() => done.length === 2, 3000)
    expect({ ok, done: done.length }).toEqual({ ok: true, done: 2 })
  })
})

describe('the same with the production heartbeat (2 s)', () => {
  it('delivers the second retry within 300 ms of its due time, not on the next heartbeat', async () => {
    store = newStore()
    const due = new Map<number, number>()
    const late: number[] = []
    const failed = new Set<number>()
    const deliver: Deliver = async (e) => {
      const n = e.payload.n as number
      if (!failed.has(n)) {
        failed.add(n)
        const ms = failed.size === 1 ? 40 : 44
        due.set(n, Date.now() + ms)
        throw new RetryLater(ms)
      }
      late.push(Date.now() - due.get(n)!)
      const start = Date.now()
      while (Date.now() - start < 15) {}
    }
    d = dispatcher(store, [spec('a', deliver, { concurrency: 4, maxDelayMs: 1000 })], { heartbeatMs: 2000 })
    d.start()
    await Promise.all([store.append(event(['a'])), store.append(event(['a']))])
    await waitFor(() => late.length === 2, 5000)
    expect(late.length).toBe(2)
    expect(Math.max(...late)).toBeLessThan(300)
  })
})
