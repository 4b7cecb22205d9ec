/**
 * Review of 5bb00d0 (lanes claim once per wake-up) and 2eb81ca (no second sweep pass from the
 * head), on a real SQLite file, with the heartbeat pushed out of reach (harness.ts): every
 * delivery must be made through the explicit wake-ups alone.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { RetryLater } from '../../../src/plugin.ts'
import type { Dispatcher } from '../../../src/delivery/dispatcher.ts'
import type { SqliteStore } from '../../../src/store/sqlite/store.ts'
import { dispatcher, event, newStore, pending, sleep, spec, waitFor, type Deliver } from './harness.ts'

let store: SqliteStore | undefined
let d: Dispatcher | undefined
afterEach(async () => {
  await d?.stop(500)
  await store?.close()
  d = undefined
  store = undefined
})

const rooms = (events: Array<{ payload: Record<string, unknown> }>) => events.map((e) => e.payload.n as number)

describe('lanes without the heartbeat', () => {
  it('delivers 200 events through random RetryLater retries (concurrency 4)', async () => {
    store = newStore()
    const done = new Set<number>()
    let calls = 0
    const deliver: Deliver = async (e) => {
      calls++
      if (Math.random() < 0.4 && e.attempt < 4) throw new RetryLater(Math.floor(Math.random() * 30))
      done.add(e.payload.n as number)
    }
    d = dispatcher(store, [spec('a', deliver)])
    d.start()
    const sent: number[] = []
    for (let i = 0; i < 200; i++) {
      const ev = event(['a'])
      sent.push(JSON.parse(ev.body).n)
      await store.append(ev)
      if (i % 17 === 0) await sleep(3)
    }
    const ok = await waitFor(() => done.size === 200, 6000)
    expect({ ok, done: done.size, calls, pending: await pending(store, 'a') }).toMatchObject({ ok: true, done: 200 })
  })

  it('delivers through reloads that replace the lane while retries are pending', async () => {
    store = newStore()
    const done = new Set<number>()
    const deliver: Deliver = async (e) => {
      if (e.attempt < 3) throw new RetryLater(5 + Math.floor(Math.random() * 40))
      done.add(e.payload.n as number)
    }
    let version = 0
    const make = () => spec('a', async (e) => deliver(e), { concurrency: 3 + (version++ % 2) })
    d = dispatcher(store, [make()])
    d.start()
    for (let i = 0; i < 60; i++) {
      await store.append(event(['a']))
      if (i % 6 === 0) void d.setLanes([make()])
      await sleep(2)
    }
    for (let i = 0; i < 10; i++) {
      void d.setLanes([make()])
      await sleep(7)
    }
    const ok = await waitFor(() => done.size === 60, 6000)
    expect({ ok, done: done.size, pending: await pending(store, 'a') }).toMatchObject({ ok: true, done: 60, pending: 0 })
  })

  it('keeps arrival order on an ordered lane whose head retries while new events arrive', async () => {
    store = newStore()
    const seen: number[] = []
    const deliver: Deliver = async (e) => {
      const n = e.payload.n as number
      if (n % 5 === 0 && e.attempt < 3) throw new RetryLater(40)
      seen.push(n)
    }
    d = dispatcher(store, [spec('o', deliver, { concurrency: 1 })])
    d.start()
    const sent: number[] = []
    for (let i = 0; i < 30; i++) {
      const ev = event(['o'])
      sent.push(JSON.parse(ev.body).n)
      await store.append(ev)
      await sleep(5)
    }
    const ok = await waitFor(() => seen.length >= 30, 8000)
    expect({ ok, seen }).toEqual({ ok: true, seen: sent })
  })

  it('fills a claim exactly (concurrency 2: limit 8), then claims again for more', async () => {
    store = newStore()
    const done: number[] = []
    d = dispatcher(store, [
      spec(
        'a',
        async (e) => {
          await sleep(5)
          done.push(e.payload.n as number)
        },
        { concurrency: 2 },
      ),
    ])
    // Eight stored before the lane starts: its first claim takes exactly its limit.
    for (let i = 0; i < 8; i++) await store.append(event(['a']))
    d.start()
    expect(await waitFor(() => done.length === 8, 3000)).toBe(true)
    for (let i = 0; i < 8; i++) void store.append(event(['a']))
    expect(await waitFor(() => done.length === 16, 3000)).toBe(true)
  })

  it('resumes a lane whose outcomes the store refused, once they land', async () => {
    store = newStore()
    const real = store
    let refusing = false
    const proxy = new Proxy(real, {
      get(target, prop) {
        if ((prop === 'complete' || prop === 'retry') && refusing) return () => Promise.reject(new Error('SQLITE_FULL: database or disk is full'))
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const done = new Set<number>()
    const deliver: Deliver = async (e) => {
      if (e.attempt === 1 && (e.payload.n as number) % 3 === 0) throw new RetryLater(10)
      done.add(e.payload.n as number)
    }
    d = dispatcher(proxy, [spec('a', deliver), spec('b', async (e) => void done.add(-(e.payload.n as number)))])
    d.start()
    for (let i = 0; i < 10; i++) await real.append(event(['a', 'b']))
    refusing = true
    for (let i = 0; i < 10; i++) await real.append(event(['a', 'b']))
    await sleep(300)
    refusing = false
    for (let i = 0; i < 10; i++) await real.append(event(['a', 'b']))
    const ok = await waitFor(() => done.size === 60, 8000)
    expect({ ok, done: done.size, a: await pending(real, 'a'), b: await pending(real, 'b') }).toEqual({ ok: true, done: 60, a: 0, b: 0 })
  })

  it('keeps fast lanes going beside a slow one (one lane per instance)', async () => {
    store = newStore()
    const fast: number[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    d = dispatcher(store, [
      spec('slow', async () => gate, { concurrency: 1 }),
      ...Array.from({ length: 8 }, (_, i) => spec(`f${i}`, async (e) => void fast.push(e.payload.n as number), { concurrency: 2 })),
    ])
    d.start()
    const targets = ['slow', ...Array.from({ length: 8 }, (_, i) => `f${i}`)]
    for (let i = 0; i < 40; i++) void store.append(event(targets))
    expect(await waitFor(() => fast.length === 320, 3000)).toBe(true)
    release()
  })

  it('picks up dead letters replayed by another connection within the heartbeat (2 s here)', async () => {
    const { join } = await import('node:path')
    const { tempDir } = await import('../../helpers/gateway.ts')
    const path = join(tempDir('wakeups-'), 'g.db')
    store = newStore(path)
    const { PermanentError } = await import('../../../src/plugin.ts')
    let refuse = true
    const done: number[] = []
    d = dispatcher(
      store,
      [
        spec('a', async (e) => {
          if (refuse) throw new PermanentError('no')
          done.push(e.payload.n as number)
        }),
      ],
      { heartbeatMs: 2000 },
    )
    d.start()
    for (let i = 0; i < 5; i++) await store.append(event(['a']))
    expect(await waitFor(() => false, 300)).toBe(false)
    expect((await store.listDead()).length).toBe(5)
    refuse = false
    // The CLI's store: another connection to the same file, no ownership lock.
    const { SqliteStore } = await import('../../../src/store/sqlite/store.ts')
    const cli = new SqliteStore({ path, create: false })
    expect(await cli.replayDead({ plugin: 'a' })).toBe(5)
    await cli.close()
    const started = Date.now()
    expect(await waitFor(() => done.length === 5, 4000)).toBe(true)
    expect(Date.now() - started).toBeLessThan(2600)
  })
})
