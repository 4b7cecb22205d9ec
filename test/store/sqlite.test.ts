/** The SQLite store on its own: group commit, claims, retention prune, dead letters, stats. */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { NewEvent } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'

let store: SqliteStore
afterEach(async () => {
  await store?.close()
})

const DAY = 86_400_000
let n = 0
function event(receivedAt: number, targets = ['a']): NewEvent {
  n++
  return { id: `evt-${n}`, command: 'Live.CallbackAfterDestroyRoom', sdkAppId: '1', receivedAt, body: `{"RoomId":"r${n}"}`, targets }
}

describe('SqliteStore', () => {
  it('commits concurrent appends in one batch and tells listeners which queues got work', async () => {
    store = new SqliteStore({ path: join(tempDir('store-'), 'g.db') })
    const notified: string[][] = []
    store.onAppended((plugins) => notified.push([...plugins].sort()))
    await Promise.all([store.append(event(Date.now(), ['a'])), store.append(event(Date.now(), ['b'])), store.append(event(Date.now(), ['a']))])
    expect(notified).toEqual([['a', 'b']])
    expect((await store.stats()).map((s) => [s.plugin, s.pending])).toEqual([
      ['a', 2],
      ['b', 1],
    ])
  })

  it('never hands out a claimed delivery twice, and orders by due time then arrival', async () => {
    store = new SqliteStore({ path: join(tempDir('store-'), 'g.db') })
    const now = Date.now()
    for (let i = 0; i < 5; i++) await store.append(event(now - 10 + i))
    const first = await store.claimDue('a', { now, limit: 3 })
    const second = await store.claimDue('a', { now, limit: 3 })
    expect(first.map((d) => d.id)).toEqual([1, 2, 3])
    expect(second.map((d) => d.id)).toEqual([4, 5])
    expect(await store.claimDue('a', { now, limit: 3 })).toEqual([])
    await store.retry(2, now + 60_000, 'later')
    expect(await store.nextDueAt('a', now)).toBe(now + 60_000)
  })

  it('prunes done deliveries and finished events past retention, keeping pending and dead ones', async () => {
    const path = join(tempDir('store-'), 'g.db')
    store = new SqliteStore({ path })
    const old = Date.now() - 10 * DAY
    for (let i = 0; i < 3; i++) await store.append(event(old))
    await store.append(event(Date.now()))
    const claimed = await store.claimDue('a', { now: Date.now(), limit: 10 })
    await store.complete(claimed[0]!.id) // done long ago (updated_at is now, so backdate below)
    await store.bury(claimed[1]!.id, 'PermanentError: no')
    await store.complete(claimed[3]!.id) // recent
    await store.close()
    const { DatabaseSync } = await import('node:sqlite')
    const raw = new DatabaseSync(path)
    raw.exec(`UPDATE deliveries SET updated_at = ${old} WHERE id IN (${claimed[0]!.id}, ${claimed[1]!.id})`)
    raw.close()
    store = new SqliteStore({ path })
    const removed = await store.prune(Date.now() - 7 * DAY)
    expect(removed).toBe(2) // one done delivery and its event
    const stats = await store.stats()
    expect(stats).toEqual([{ plugin: 'a', pending: 1, dead: 1, oldestPendingAt: old }])
    expect((await store.listDead()).map((d) => d.id)).toEqual([claimed[1]!.id])
  })

  it('replays and purges dead letters by id or plugin', async () => {
    store = new SqliteStore({ path: join(tempDir('store-'), 'g.db') })
    await store.append(event(Date.now(), ['a', 'b']))
    const [a] = await store.claimDue('a', { now: Date.now(), limit: 1 })
    const [b] = await store.claimDue('b', { now: Date.now(), limit: 1 })
    await store.bury(a!.id, 'x')
    await store.bury(b!.id, 'y')
    expect(await store.replayDead({ plugin: 'a' })).toBe(1)
    expect((await store.listDead()).map((d) => d.plugin)).toEqual(['b'])
    expect((await store.claimDue('a', { now: Date.now(), limit: 1 }))[0]!.attempts).toBe(0)
    expect(await store.purgeDead({ id: b!.id })).toBe(1)
    expect(await store.listDead()).toEqual([])
  })
})

describe('SqliteStore schema', () => {
  it('refuses a file written with another schema version, saying what to do', async () => {
    const { DatabaseSync } = await import('node:sqlite')
    const path = join(tempDir('store-'), 'old.db')
    const old = new DatabaseSync(path)
    old.exec('CREATE TABLE events (id TEXT PRIMARY KEY); PRAGMA user_version = 1')
    old.close()
    expect(() => new SqliteStore({ path })).toThrow('holds store schema version 1; this version uses 2')
  })
})
