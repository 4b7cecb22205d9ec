/** The SQLite store on its own: group commit, claims, retention prune, dead letters, stats. */
import { afterEach, describe, expect, it } from 'bun:test'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { Dispatcher } from '../../src/delivery/dispatcher.ts'
import { silentLogger } from '../../src/log.ts'
import type { GatewayEvent } from '../../src/plugin.ts'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { NewEvent } from '../../src/store/store.ts'
import { tempDir, until } from '../helpers/gateway.ts'

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

/** Schema version 2 as it was released, written by hand: the file an upgrade finds. */
const SCHEMA_V2 = `
CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, command TEXT NOT NULL, sdk_app_id TEXT NOT NULL, received_at INTEGER NOT NULL,
  client_ip TEXT, opt_platform TEXT, body TEXT NOT NULL, dedup_key TEXT);
CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event_seq INTEGER NOT NULL, plugin TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, first_error TEXT, last_error TEXT, updated_at INTEGER NOT NULL);
CREATE INDEX deliveries_due ON deliveries (plugin, next_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_seq);
PRAGMA user_version = 2;`

describe('SqliteStore schema', () => {
  it('upgrades a version 2 file in place, and still delivers what it held', async () => {
    const path = join(tempDir('store-'), 'v2.db')
    const old = new DatabaseSync(path)
    old.exec(SCHEMA_V2)
    const at = Date.now() - 1000
    old.exec(
      `INSERT INTO events (id, command, sdk_app_id, received_at, body, dedup_key) VALUES ('old-1', 'Live.CallbackAfterDestroyRoom', '1', ${at}, '{"RoomId":"r-old"}', 'k-old')`,
    )
    old.exec(`INSERT INTO deliveries (event_seq, plugin, next_at, updated_at) VALUES (1, 'a', ${at}, ${at})`)
    old.close()
    store = new SqliteStore({ path, serve: true, dedupWindowMs: 60_000 })
    const delivered: GatewayEvent[] = []
    const retry = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 }
    const lanes = [{ id: 'a', instance: { deliver: async (e: GatewayEvent) => void delivered.push(e) }, concurrency: 1, retry }]
    const dispatcher = new Dispatcher(store, lanes, { logger: silentLogger, heartbeatMs: 60_000 })
    dispatcher.start()
    await until(() => delivered.length === 1, 3000, 'the delivery stored by version 2')
    expect(delivered[0]).toMatchObject({ id: 'old-1', payload: { RoomId: 'r-old' } })
    expect('decision' in delivered[0]!).toBe(false)
    expect(await store.recallDecision('k-old', at + 1)).toBeUndefined()
    await store.append({ ...event(Date.now()), decision: '{"action":"allow"}' })
    await until(() => delivered.length === 2, 3000, 'a delivery stored by version 3')
    expect(delivered[1]!.decision).toEqual({ action: 'allow' } as never)
    expect(await dispatcher.stop(2000)).toBe(true)
    await store.close()
    const raw = new DatabaseSync(path)
    const version = (raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    const statuses = raw
      .prepare('SELECT status FROM deliveries ORDER BY id')
      .all()
      .map((row) => row.status)
    raw.close()
    expect(version).toBe(3)
    expect(statuses).toEqual(['done', 'done'])
  })

  it('refuses a file written with another schema version, saying what to do', async () => {
    const path = join(tempDir('store-'), 'old.db')
    const old = new DatabaseSync(path)
    old.exec('CREATE TABLE events (id TEXT PRIMARY KEY); PRAGMA user_version = 1')
    old.close()
    expect(() => new SqliteStore({ path })).toThrow('holds store schema version 1; this version uses 3')
  })
})
