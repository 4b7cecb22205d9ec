/**
 * What the rows kept for retention must not cost the serving thread on SQLite: the prune
 * (src/store/sqlite/prune.ts) goes a chunk of events at a time, with the event loop free between
 * chunks, and deletes exactly what retention retires; the queue stats behind /metrics read the
 * pending and dead rows only.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteStore, STATS_SQL } from '../../src/store/sqlite/store.ts'
import { tempDir } from '../helpers/gateway.ts'
import { turnsDuring } from '../helpers/turns.ts'

const DAY = 86_400_000
let store: SqliteStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

/** `count` events received at `receivedAt`, each with deliveries of the given statuses, written straight into the file. */
function fill(path: string, count: number, receivedAt: number, statuses: string[]): void {
  const db = new DatabaseSync(path)
  db.exec('BEGIN')
  const event = db.prepare("INSERT INTO events (id, command, sdk_app_id, received_at, body) VALUES (?, 'Live.CallbackAfterDestroyRoom', '1', ?, '{}')")
  const delivery = db.prepare('INSERT INTO deliveries (event_seq, plugin, status, attempts, next_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)')
  for (let i = 0; i < count; i++) {
    const { lastInsertRowid } = event.run(`e-${receivedAt}-${statuses.join('')}-${i}`, receivedAt)
    statuses.forEach((status, k) => delivery.run(lastInsertRowid, `p${k}`, status, receivedAt, receivedAt))
  }
  db.exec('COMMIT')
  db.close()
}

function count(path: string, sql: string): number {
  const db = new DatabaseSync(path)
  try {
    return Number((db.prepare(sql).get() as { n: number }).n)
  } finally {
    db.close()
  }
}

describe('SQLite retention prune', () => {
  it('deletes a large backlog a chunk at a time, with turns of the event loop in between', async () => {
    const path = join(tempDir('prune-'), 'g.db')
    await new SqliteStore({ path }).close()
    const old = Date.now() - 10 * DAY
    fill(path, 6000, old, ['done', 'done'])
    // The newest event is always kept (prune.ts); here it is a recent one.
    fill(path, 1, Date.now(), ['done'])
    store = new SqliteStore({ path })
    const pruning = store
    const { result: removed, turns } = await turnsDuring(() => pruning.prune(Date.now() - 7 * DAY))
    expect(removed).toBe(18_000)
    // Six chunks of 1,000 events: the loop turned between them, not only after the whole prune.
    expect(turns).toBeGreaterThanOrEqual(5)
    expect(count(path, 'SELECT COUNT(*) AS n FROM events')).toBe(1)
  })

  it('keeps pending and dead deliveries with their events, recent ones, and deletes old finished events without deliveries', async () => {
    const path = join(tempDir('prune-'), 'g.db')
    await new SqliteStore({ path }).close()
    const old = Date.now() - 10 * DAY
    fill(path, 1500, old, ['done']) // retired: 3000 rows
    fill(path, 10, old, ['pending', 'done']) // events kept, their done deliveries go: 10 rows
    fill(path, 10, old, ['dead']) // kept
    fill(path, 1200, old, []) // unrouted, retired: 1200 rows
    fill(path, 20, Date.now(), ['done']) // recent, kept
    store = new SqliteStore({ path })
    expect(await store.prune(Date.now() - 7 * DAY)).toBe(3000 + 10 + 1200)
    expect(count(path, 'SELECT COUNT(*) AS n FROM events')).toBe(40)
    expect(count(path, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'")).toBe(10)
    expect(count(path, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'dead'")).toBe(10)
    expect(count(path, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'done'")).toBe(20)
    // Nothing more to do, and a second run finds it so.
    expect(await store.prune(Date.now() - 7 * DAY)).toBe(0)
  })

  it('stops between chunks once the store is closed', async () => {
    const path = join(tempDir('prune-'), 'g.db')
    await new SqliteStore({ path }).close()
    fill(path, 5000, Date.now() - 10 * DAY, ['done'])
    const closing = new SqliteStore({ path })
    const pruned = closing.prune(Date.now() - 7 * DAY)
    await closing.close()
    const removed = await pruned
    expect(removed).toBeLessThan(10_000)
    expect(count(path, 'SELECT COUNT(*) AS n FROM events')).toBeGreaterThan(0)
  })
})

describe('SQLite queue stats', () => {
  it('reads only the pending and dead rows, through their indexes, never the done rows kept for retention', async () => {
    const path = join(tempDir('stats-'), 'g.db')
    await new SqliteStore({ path }).close()
    const db = new DatabaseSync(path)
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${STATS_SQL}`).all() as Array<{ detail: string }>).map((row) => row.detail)
      const scans = plan.filter((detail) => /^SCAN deliveries/.test(detail))
      expect(scans).toHaveLength(2)
      for (const scan of scans) expect(scan).toMatch(/USING (COVERING )?INDEX deliveries_(due|dead)/)
    } finally {
      db.close()
    }
  })

  it('counts pending and dead per instance, with the oldest pending event', async () => {
    const path = join(tempDir('stats-'), 'g.db')
    await new SqliteStore({ path }).close()
    fill(path, 300, 1000, ['done', 'done'])
    fill(path, 2, 2000, ['pending', 'dead'])
    fill(path, 3, 3000, ['dead', 'pending'])
    store = new SqliteStore({ path })
    expect(await store.stats()).toEqual([
      { plugin: 'p0', pending: 2, dead: 3, oldestPendingAt: 2000 },
      { plugin: 'p1', pending: 3, dead: 2, oldestPendingAt: 3000 },
    ])
  })
})

describe('SQLite retention keeps the newest event', () => {
  it('even when it is past retention, so a new event never takes a seq already used', async () => {
    const path = join(tempDir('prune-'), 'g.db')
    await new SqliteStore({ path }).close()
    fill(path, 3, Date.now() - 10 * DAY, ['done'])
    store = new SqliteStore({ path })
    expect(await store.prune(Date.now() - 7 * DAY)).toBe(4)
    expect(count(path, 'SELECT MAX(seq) AS n FROM events')).toBe(3)
    expect(count(path, 'SELECT COUNT(*) AS n FROM events')).toBe(1)
  })
})
