/** The PostgreSQL store on a real server: migrations, leases, cluster-wide limits, dedup across instances, NOTIFY. */
import { afterEach, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { PgStore } from '../../src/store/postgres/store.ts'
import type { NewEvent } from '../../src/store/store.ts'
import { until } from '../helpers/gateway.ts'
import { describePg, freshPgUrl, rawSql } from '../helpers/postgres.ts'

const open: PgStore[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close()
})

async function store(url: string, options: { dedupWindowMs?: number; leaseMs?: number } = {}): Promise<PgStore> {
  const s = await PgStore.open({ url, ...options })
  open.push(s)
  return s
}

let n = 0
function event(targets: string[], extra: Partial<NewEvent> = {}): NewEvent {
  n++
  return {
    id: crypto.randomUUID(),
    command: 'Live.CallbackAfterDestroyRoom',
    sdkAppId: '1400000000',
    receivedAt: Date.now(),
    body: `{"RoomId":"r${n}"}`,
    targets,
    ...extra,
  }
}

describePg('PgStore', () => {
  it('migrates once when several instances start at the same moment', async () => {
    const url = freshPgUrl('migrate')
    const stores = await Promise.all([PgStore.open({ url }), PgStore.open({ url }), PgStore.open({ url })])
    open.push(...stores)
    const sql = rawSql(url)
    try {
      expect((await sql`SELECT version FROM gateway_migrations ORDER BY version`).map((r) => r.version)).toEqual([1, 2, 3])
    } finally {
      await sql.end()
    }
  })

  it('refuses a schema migrated by a newer version', async () => {
    const url = freshPgUrl('newer')
    await (await store(url)).close()
    const sql = rawSql(url)
    await sql`INSERT INTO gateway_migrations (version) VALUES (99)`
    await sql.end()
    await expect(PgStore.open({ url })).rejects.toThrow('holds store migration 99; this version knows up to 3')
  })

  it('applies migrations 2 and 3 to a schema at version 1, keeping its queue and dedup keys', async () => {
    const url = freshPgUrl('v1')
    const sql = rawSql(url)
    const at = Date.now() - 1000
    try {
      // A schema as version 1 left it: 001.sql only, one pending delivery, one dedup key.
      await sql`CREATE SCHEMA ${sql(new URL(url).searchParams.get('search_path')!)}`
      await sql.unsafe(readFileSync(new URL('../../src/store/postgres/migrations/001.sql', import.meta.url), 'utf8'))
      await sql`CREATE TABLE gateway_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
      await sql`INSERT INTO gateway_migrations (version) VALUES (1)`
      await sql`INSERT INTO gateway_events (id, command, sdk_app_id, received_at, body, dedup_key) VALUES ('old-1', 'Live.CallbackAfterDestroyRoom', '1', ${at}, '{}', 'k-old')`
      await sql`INSERT INTO gateway_deliveries (event_seq, plugin, next_at, updated_at) SELECT seq, 'a', ${at}, ${at} FROM gateway_events`
      await sql`INSERT INTO gateway_dedup (key, received_at) VALUES ('k-old', ${at})`
      const s = await store(url, { dedupWindowMs: 60_000 })
      expect((await sql`SELECT version FROM gateway_migrations ORDER BY version`).map((r) => r.version)).toEqual([1, 2, 3])
      const [old] = await s.claimDue('a', { now: Date.now(), limit: 10 })
      expect(old!.event).toMatchObject({ id: 'old-1', decision: undefined })
      await s.complete(old!.id)
      expect(await s.recallDecision('k-old', at + 1)).toBeUndefined()
      const decided = event(['a'], { dedupKey: 'k-new', decision: '{"action":"deny","errorCode":1}' })
      expect(await s.append(decided)).toBe('stored')
      expect((await s.claimDue('a', { now: Date.now(), limit: 10 }))[0]!.event.decision).toBe(decided.decision)
      expect(await s.recallDecision('k-new', decided.receivedAt + 1)).toBe(decided.decision!)
    } finally {
      await sql.end()
    }
  })

  it('names the server, not the password, when it cannot connect', async () => {
    const error = await PgStore.open({ url: 'postgres://gateway:s3cret-pw@127.0.0.1:1/test' }).catch((e: Error) => e)
    expect(String((error as Error).message)).toContain('cannot open the PostgreSQL store at postgres://gateway:***@127.0.0.1:1/test')
    expect(String((error as Error).message)).not.toContain('s3cret-pw')
  })

  it('stores, claims and completes, with the event as stored', async () => {
    const s = await store(freshPgUrl('basic'))
    const e = event(['a', 'b'], { clientIp: '1.2.3.4', body: '{"Big":12345678901234567890}' })
    expect(await s.append(e)).toBe('stored')
    const [claimed] = await s.claimDue('a', { now: Date.now(), limit: 10 })
    expect(claimed).toMatchObject({ plugin: 'a', attempts: 0, event: { id: e.id, clientIp: '1.2.3.4', body: '{"Big":12345678901234567890}' } })
    // Leased: not claimable again, by this instance or another.
    expect(await s.claimDue('a', { now: Date.now(), limit: 10 })).toEqual([])
    await s.complete(claimed!.id)
    expect(await s.stats()).toEqual([{ plugin: 'b', pending: 1, dead: 0, inFlight: 0, oldestPendingAt: e.receivedAt }])
  })

  it('retries and dead-letters, keeps first and last errors, replays and purges', async () => {
    const s = await store(freshPgUrl('dead'))
    await s.append(event(['a']))
    let [d] = await s.claimDue('a', { now: Date.now(), limit: 1 })
    await s.retry(d!.id, Date.now() + 60_000, 'first')
    expect(await s.claimDue('a', { now: Date.now(), limit: 1 })).toEqual([])
    expect(await s.nextDueAt('a', Date.now())).toBeGreaterThan(Date.now() + 50_000)
    ;[d] = await s.claimDue('a', { now: Date.now() + 61_000, limit: 1 })
    expect(d!.attempts).toBe(1)
    await s.bury(d!.id, 'last')
    const [dead] = await s.listDead('a')
    expect(dead).toMatchObject({ id: d!.id, attempts: 2, firstError: 'first', lastError: 'last' })
    expect(await s.replayDead({ id: d!.id })).toBe(1)
    ;[d] = await s.claimDue('a', { now: Date.now(), limit: 1 })
    expect(d!.attempts).toBe(0)
    await s.bury(d!.id, 'again')
    expect(await s.purgeDead({ plugin: 'a' })).toBe(1)
    expect(await s.listDead()).toEqual([])
  })

  it('hands an expired lease to another instance, and ignores the late outcome of the lost one', async () => {
    const url = freshPgUrl('lease')
    const a = await store(url, { leaseMs: 60_000 })
    const b = await store(url, { leaseMs: 60_000 })
    await a.append(event(['x']))
    const [byA] = await a.claimDue('x', { now: Date.now(), limit: 5 })
    expect(await b.claimDue('x', { now: Date.now(), limit: 5 })).toEqual([])
    // As if A had died a lease ago: its lease runs out.
    const sql = rawSql(url)
    await sql`UPDATE gateway_leases SET lease_until = 0`
    // A itself never claims a delivery it is still running, expired lease or not.
    expect(await a.claimDue('x', { now: Date.now(), limit: 5 })).toEqual([])
    const [byB] = await b.claimDue('x', { now: Date.now(), limit: 5 })
    expect(byB!.id).toBe(byA!.id)
    // A wakes up and reports failure: it no longer holds the lease, so B's claim stands.
    await a.bury(byA!.id, 'late')
    expect(await a.listDead()).toEqual([])
    await b.complete(byB!.id)
    const [row] = await sql`SELECT status, attempts FROM gateway_deliveries`
    expect(row).toMatchObject({ status: 'done', attempts: 1 })
    await sql.end()
  })

  it('reports a lease it lost, and keeps the leases of attempts still running when it closes', async () => {
    const url = freshPgUrl('lost')
    const warnings: Array<Record<string, unknown>> = []
    const a = await PgStore.open({ url, leaseMs: 750, warn: (_message, fields) => warnings.push(fields) })
    open.push(a)
    const b = await store(url)
    await a.append(event(['x']))
    await a.append(event(['x']))
    const [lost, kept] = await a.claimDue('x', { now: Date.now(), limit: 5 })
    const sql = rawSql(url)
    await sql`UPDATE gateway_leases SET lease_until = 0 WHERE delivery_id = ${lost!.id}`
    expect((await b.claimDue('x', { now: Date.now(), limit: 5 })).map((d) => d.id)).toEqual([lost!.id])
    await until(() => warnings.length > 0, 3000, 'the lost-lease warning')
    expect(warnings[0]).toEqual({ deliveryIds: [lost!.id] })
    // Reported once, not at every renewal (every 250 ms here).
    await Bun.sleep(800)
    expect(warnings).toHaveLength(1)
    // A shuts down while the other attempt still runs: its lease is left to expire, not handed on.
    await a.close()
    expect(await b.claimDue('x', { now: Date.now(), limit: 5 })).toEqual([])
    await sql`UPDATE gateway_leases SET lease_until = 0 WHERE delivery_id = ${kept!.id}`
    expect((await b.claimDue('x', { now: Date.now(), limit: 5 })).map((d) => d.id)).toEqual([kept!.id])
    await sql.end()
  })

  it('keeps a plugin instance concurrency across instances', async () => {
    const url = freshPgUrl('conc')
    const a = await store(url)
    const b = await store(url)
    for (let i = 0; i < 5; i++) await a.append(event(['slow']))
    const first = await a.claimDue('slow', { now: Date.now(), limit: 5, concurrency: 2 })
    expect(first).toHaveLength(2)
    expect(await b.claimDue('slow', { now: Date.now(), limit: 5, concurrency: 2 })).toEqual([])
    await a.complete(first[0]!.id)
    expect(await b.claimDue('slow', { now: Date.now(), limit: 5, concurrency: 2 })).toHaveLength(1)
  })

  it('leases only the head of an ordered queue, across instances', async () => {
    const url = freshPgUrl('ordered')
    const a = await store(url)
    const b = await store(url)
    const events = [event(['o']), event(['o']), event(['o'])]
    for (const e of events) await a.append(e)
    const [head] = await a.claimDue('o', { now: Date.now(), limit: 1, ordered: true })
    expect(head!.event.id).toBe(events[0]!.id)
    expect(await b.claimDue('o', { now: Date.now(), limit: 1, ordered: true })).toEqual([])
    await a.retry(head!.id, Date.now() + 60_000, 'not yet')
    // The head waits for its retry; nothing behind it may overtake it.
    expect(await b.claimDue('o', { now: Date.now(), limit: 1, ordered: true })).toEqual([])
  })

  it('stores a payload once when two instances receive it at the same moment (unique key)', async () => {
    const url = freshPgUrl('dedup')
    const a = await store(url, { dedupWindowMs: 60_000 })
    const b = await store(url, { dedupWindowMs: 60_000 })
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).append(event(['d'], { dedupKey: 'same-key' }))))
    expect(results.filter((r) => r === 'stored')).toHaveLength(1)
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(9)
    expect((await a.stats())[0]!.pending).toBe(1)
    // After the window the same key is a new event.
    const sql = rawSql(url)
    await sql`UPDATE gateway_dedup SET received_at = received_at - 120000`
    await sql.end()
    expect(await b.append(event(['d'], { dedupKey: 'same-key' }))).toBe('stored')
  })

  it('wakes another instance with NOTIFY when work is added', async () => {
    const url = freshPgUrl('notify')
    const a = await store(url)
    const b = await store(url)
    const woken: string[] = []
    b.onAppended((plugins) => woken.push(...plugins))
    await a.append(event(['p1', 'p2']))
    await until(() => woken.length >= 2, 3000, 'the NOTIFY')
    expect(woken.sort()).toEqual(['p1', 'p2'])
  })

  it('prunes done deliveries, finished events and expired dedup keys', async () => {
    const url = freshPgUrl('prune')
    const s = await store(url, { dedupWindowMs: 1 })
    await s.append(event(['a'], { dedupKey: 'k1' }))
    await s.append(event(['a']))
    const [d] = await s.claimDue('a', { now: Date.now(), limit: 1 })
    await s.complete(d!.id)
    await Bun.sleep(5)
    // One done delivery, its event, and the expired key go; the pending delivery and its event stay.
    expect(await s.prune(Date.now() + 1)).toBe(3)
    expect((await s.stats())[0]).toMatchObject({ pending: 1 })
  })
})
