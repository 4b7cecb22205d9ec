/**
 * Found by a review: once retention pruned the newest events, SQLite reused their seqs, so a new
 * delivery was handed out before its sync and again from memory, and the search index never saw the
 * new events. The prune now keeps the newest event (src/store/sqlite/prune.ts).
 */
import { afterEach, expect, it } from 'bun:test'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { NewEvent } from '../../src/store/store.ts'
import { uuidv7 } from '../../src/ingress/event-id.ts'
import { tempDir } from '../helpers/gateway.ts'

const opened: SqliteStore[] = []
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close()
})
let n = 0
const ev = (targets: string[], receivedAt = Date.now()): NewEvent => ({
  id: uuidv7(receivedAt),
  command: 'Live.CallbackAfterDestroyRoom',
  sdkAppId: '1400000000',
  receivedAt,
  body: `{"RoomId":"room-${++n}"}`,
  targets,
})

it('search never finds events stored after retention pruned the newest events (seq reused below indexed_seq)', async () => {
  const store = new SqliteStore({ path: join(tempDir('reuse-'), 'g.db'), serve: true, searchIndex: true })
  opened.push(store)
  const old = Date.now() - 10 * 86_400_000
  for (let i = 0; i < 20; i++) await store.append(ev([], old + i))
  await store.searchCaughtUp()
  // The hourly prune, after a quiet week: every event is past retention.
  await store.prune(Date.now() - 7 * 86_400_000)
  const fresh = ev([])
  await store.append(fresh)
  await store.searchCaughtUp()
  const room = JSON.parse(fresh.body).RoomId

  expect((await store.listEvents({ q: room, limit: 5 })).events.map((e) => e.id)).toEqual([fresh.id])
})

it('a delivery is handed out twice: by a sweep before its sync (durableSeq stale after reuse) and again from memory', async () => {
  const path = join(tempDir('reuse-'), 'g.db')
  await new SqliteStore({ path }).close()
  // 20 events of 10 days ago, each delivered long since.
  const db = new DatabaseSync(path)
  const old = Date.now() - 10 * 86_400_000
  for (let i = 0; i < 20; i++) {
    const { lastInsertRowid } = db.prepare("INSERT INTO events (id, command, sdk_app_id, received_at, body) VALUES (?, 'c', '1', ?, '{}')").run(`old-${i}`, old)
    db.prepare("INSERT INTO deliveries (event_seq, plugin, status, attempts, next_at, updated_at) VALUES (?, 'p', 'done', 1, ?, ?)").run(
      lastInsertRowid,
      old,
      old,
    )
  }
  db.close()
  const store = new SqliteStore({ path, serve: true })
  opened.push(store)
  // The hourly prune after a quiet week: everything goes, and the next event reuses seq 1.
  await store.prune(Date.now() - 7 * 86_400_000)
  expect(await store.claimDue('p', { now: Date.now(), limit: 100, sweep: true })).toEqual([]) // queue known
  await Bun.sleep(10) // past the sync pacing, so the commit runs in this turn's setImmediate
  const appended = store.append(ev(['p']))
  let done = false
  void appended.then(() => (done = true))
  const bySweep = []
  // The heartbeat's sweeps while the commit waits for its WAL fdatasync.
  while (!done) {
    bySweep.push(...(await store.claimDue('p', { now: Date.now(), limit: 100, sweep: true })))
    await new Promise((r) => setImmediate(r))
  }
  const fromMemory = await store.claimDue('p', { now: Date.now(), limit: 100 })

  expect([...bySweep, ...fromMemory].map((d) => d.id)).toHaveLength(1)
  expect(bySweep).toEqual([]) // not synced yet: must not be claimable
  expect([...bySweep, ...fromMemory].map((d) => d.id)).toHaveLength(1)
})
