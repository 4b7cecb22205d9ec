/**
 * Review of 5bb00d0: random failures, RetryLater, reloads that swap concurrency 1 and 4, the busy
 * flag flipping, and stretches where the store refuses outcomes, all at once on a real SQLite
 * file with no heartbeat in reach. Every stored delivery must end done (or dead) promptly.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { RetryLater } from '../../../src/plugin.ts'
import type { Dispatcher } from '../../../src/delivery/dispatcher.ts'
import type { SqliteStore } from '../../../src/store/sqlite/store.ts'
import { dispatcher, event, newStore, sleep, spec, waitFor, type Deliver } from './harness.ts'

let store: SqliteStore | undefined
let d: Dispatcher | undefined
afterEach(async () => {
  await d?.stop(500)
  await store?.close()
  d = undefined
  store = undefined
})

for (let round = 0; round < 4; round++)
  describe(`chaos round ${round}`, () => {
    it('ends every delivery of every lane without the heartbeat', async () => {
      const storePath = (await import('node:path')).join((await import('../../helpers/gateway.ts')).tempDir('chaos-'), 'g.db')
      store = newStore(storePath)
      const real = store
      let refusing = false
      const proxy = new Proxy(real, {
        get(target, prop) {
          if ((prop === 'complete' || prop === 'retry' || prop === 'bury') && refusing) return () => Promise.reject(new Error('SQLITE_FULL'))
          const value = Reflect.get(target, prop, target)
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
      const ids = ['a', 'b', 'c', 'o']
      const done = new Map<string, Set<number>>(ids.map((id) => [id, new Set()]))
      const deliver =
        (id: string): Deliver =>
        async (e) => {
          const r = Math.random()
          if (r < 0.05) await sleep(Math.random() * 30)
          if (e.attempt < 4 && r < 0.25) throw new Error('flaky')
          if (e.attempt < 4 && r < 0.45) throw new RetryLater(Math.floor(Math.random() * 60))
          done.get(id)!.add(e.payload.n as number)
        }
      let flip = 0
      const lanes = () =>
        ids.map((id) =>
          spec(id, deliver(id), {
            concurrency: id === 'o' ? 1 : (flip + id.charCodeAt(0)) % 2 === 0 ? 1 : 4,
            maxAttempts: 100,
            initialDelayMs: 1,
            maxDelayMs: 40,
          }),
        )
      let busy = false
      const errors: string[] = []
      const logger = {
        debug() {},
        info() {},
        warn() {},
        error: (msg: string, f?: Record<string, unknown>) => void errors.push(`${msg} ${f?.plugin} ${String(f?.error)}`),
        child() {
          return logger
        },
      }
      d = dispatcher(proxy, lanes(), { busy: () => busy, logger: logger as never })
      d.start()
      const total = 150
      for (let i = 0; i < total; i++) {
        await real.append(event(ids))
        const r = Math.random()
        if (r < 0.04 && !process.env.NO_RELOAD) {
          flip++
          void d.setLanes(lanes())
        } else if (r < 0.08 && !process.env.NO_BUSY) busy = !busy
        else if (r < 0.1 && !process.env.NO_REFUSE) {
          refusing = true
          setTimeout(() => (refusing = false), 50 + Math.random() * 150)
        }
        if (i % 10 === 0) await sleep(Math.random() * 10)
      }
      busy = false
      await sleep(250)
      refusing = false
      const all = () => ids.every((id) => done.get(id)!.size === total)
      const ok = await waitFor(all, 8000)
      const stats = await real.stats()
      const diag: Record<string, unknown> = {}
      if (!ok) {
        const { DatabaseSync } = await import('node:sqlite')
        for (const id of ids) {
          if (done.get(id)!.size === total) continue
          const db = new DatabaseSync((real as any).path ?? storePath, { readOnly: true })
          diag[id] = {
            now: Date.now(),
            head: db.prepare("SELECT id, attempts, next_at, last_error FROM deliveries WHERE plugin = ? AND status = 'pending' ORDER BY id LIMIT 2").all(id),
          }
          db.close()
          const claimed = await real.claimDue(id, { now: Date.now() + 1e7, limit: 1, ordered: true })
          diag[`${id}-claimable-head`] = claimed.map((c) => c.id)
        }
      }
      expect({
        diag,
        ok,
        done: Object.fromEntries([...done].map(([k, v]) => [k, v.size])),
        stats: stats.map((s) => [s.plugin, s.pending, s.dead]),
        inFlight: d.inFlight(),
        errors: [...new Set(errors)],
      }).toMatchObject({
        ok: true,
      })
    })
  })
