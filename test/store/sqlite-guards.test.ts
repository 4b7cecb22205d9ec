/**
 * The store's own guards, found by a review of the fault fixes (each reproduced against the
 * first version of those fixes): what a claim may see, a path that cannot even be checked,
 * two paths to one file, and a close that meets another process's lock.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Dispatcher } from '../../src/delivery/dispatcher.ts'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { NewEvent } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'

const event = (id: string): NewEvent => ({
  id,
  command: 'Live.CallbackAfterDestroyRoom',
  sdkAppId: '1400000000',
  receivedAt: Date.now(),
  body: '{}',
  targets: ['p'],
})
const opened: SqliteStore[] = []
const open = (options: ConstructorParameters<typeof SqliteStore>[0]) => {
  const store = new SqliteStore(options)
  opened.push(store)
  return store
}
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
})

describe('SqliteStore guards', () => {
  it('hands out no delivery of an event that is committed but not yet synced, so a 503 after all is never delivered', async () => {
    const path = join(tempDir('guard-sync-'), 'gw.db')
    const store = open({ path, serve: true })
    const appended = store.append(event('EVENT-X')).then(
      () => 'stored',
      () => 'refused',
    )
    // Right after the writer's commit, while its fdatasync runs on the threadpool.
    const claimed = await new Promise<string[]>((resolve) =>
      setImmediate(async () => {
        const rows = await store.claimDue('p', { now: Date.now(), limit: 10 })
        unlinkSync(path) // the store fails before the sync completes
        resolve(rows.map((row) => row.event.id))
      }),
    )
    expect(await appended).toBe('refused')
    expect(claimed).toEqual([])
    expect(store.failed).toBe(true)
  })

  it('still hands out synced events at once', async () => {
    const store = open({ path: join(tempDir('guard-synced-'), 'gw.db'), serve: true })
    await store.append(event('E1'))
    const rows = await store.claimDue('p', { now: Date.now(), limit: 10 })
    expect(rows.map((row) => row.event.id)).toEqual(['E1'])
  })

  it('fails (503, not ready) when its path can no longer be looked at, instead of leaving callbacks unanswered', async () => {
    const dir = tempDir('guard-notdir-')
    const store = open({ path: join(dir, 'data', 'gw.db'), serve: true })
    await store.append(event('E1'))
    renameSync(join(dir, 'data'), join(dir, 'data.old'))
    writeFileSync(join(dir, 'data'), 'a file where the folder was') // stat of data/gw.db: ENOTDIR
    const second = await Promise.race([
      store.append(event('E2')).then(
        () => 'stored',
        (error: Error) => error.message,
      ),
      Bun.sleep(3000).then(() => 'no answer'),
    ])
    expect(second).toContain(`the store file ${join(dir, 'data', 'gw.db')} cannot be checked`)
    expect(store.failed).toBe(true)
  })

  it('shares one ownership lock between two paths to the same file (a symlink)', () => {
    const dir = tempDir('guard-link-')
    open({ path: join(dir, 'a.db'), serve: true })
    symlinkSync(join(dir, 'a.db'), join(dir, 'link.db'))
    expect(() => open({ path: join(dir, 'link.db'), serve: true })).toThrow('is in use by another gateway')
  })

  it('lets an outcome queued behind another process lock land at close, within the wait', async () => {
    const path = join(tempDir('guard-close-'), 'gw.db')
    const store = new SqliteStore({ path, serve: true })
    await store.append(event('E1'))
    const [claim] = await store.claimDue('p', { now: Date.now(), limit: 1 })
    const other = new DatabaseSync(path)
    other.exec('BEGIN IMMEDIATE') // a dlq command holding the write lock
    const written = store.complete(claim!.id).then(
      () => 'written',
      (error: Error) => error.message,
    )
    await Bun.sleep(50)
    setTimeout(() => other.exec('COMMIT'), 250)
    await store.close()
    expect(await written).toBe('written')
    const row = other.prepare('SELECT status, attempts FROM deliveries').get() as { status: string; attempts: number }
    other.close()
    expect({ ...row }).toEqual({ status: 'done', attempts: 1 })
  })
})

describe('held delivery outcomes', () => {
  it('are written once when shutdown comes while a rewrite is under way (each write counts an attempt)', async () => {
    const path = join(tempDir('guard-held-'), 'gw.db')
    const store = new SqliteStore({ path, serve: true })
    const complete = store.complete.bind(store)
    let calls = 0
    // The first write is refused (a full disk); the rewrite is slow (a lock wait).
    store.complete = async (id: number) => {
      if (++calls === 1) throw new Error('database or disk is full')
      await Bun.sleep(300)
      return complete(id)
    }
    const lines: string[] = []
    const logger = { debug() {}, info() {}, warn: (msg: string) => void lines.push(msg), error: (msg: string) => void lines.push(msg) }
    const dispatcher = new Dispatcher(
      store,
      [{ id: 'p', instance: { async deliver() {} }, concurrency: 4, retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 } }],
      { logger: logger as never, heartbeatMs: 60_000 },
    )
    dispatcher.start()
    await store.append(event('E1'))
    await Bun.sleep(250) // refused at once, rewritten from 100 ms on
    expect(lines).toContain('could not record a delivery outcome; this plugin instance sends nothing more until the store accepts writes again')
    expect(await dispatcher.stop(2000)).toBe(true)
    await store.close()
    const db = new DatabaseSync(path)
    const rows = db
      .prepare('SELECT status, attempts FROM deliveries')
      .all()
      .map((row) => ({ ...row }))
    db.close()
    expect(calls).toBe(2)
    expect(rows).toEqual([{ status: 'done', attempts: 1 }])
  })
})
