/**
 * The SQLite claims' hand-off (src/store/sqlite/claims.ts, docs/design.md §7.1): deliveries this
 * process just wrote are claimed from memory, without the claim query, and never handed out twice
 * whichever way they are claimed: from memory, by a sweep of the table, after a release, a
 * replay, another process's write or more new deliveries than memory keeps.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { DatabaseSync, StatementSync } from 'node:sqlite'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { ClaimOptions, NewEvent } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'

let seq = 0
const event = (targets = ['p'], extra: Partial<NewEvent> = {}): NewEvent => ({
  id: `EV-${++seq}`,
  command: 'Live.CallbackAfterDestroyRoom',
  sdkAppId: '1400000000',
  receivedAt: Date.now(),
  clientIp: '10.0.0.1',
  body: `{"RoomId":"r-${seq}","Big":12345678901234567890}`,
  targets,
  ...extra,
})

const opened: SqliteStore[] = []
function open(): { store: SqliteStore; path: string } {
  const path = join(tempDir('claim-handoff-'), 'gw.db')
  const store = new SqliteStore({ path, serve: true })
  opened.push(store)
  return { store, path }
}
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
})

/** Counts the claim query's runs (the statement that joins deliveries to events) while `run` runs. */
async function claimQueries<T>(run: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const proto = StatementSync.prototype as unknown as { all: (...args: unknown[]) => unknown }
  const original = proto.all
  let queries = 0
  proto.all = function (this: StatementSync, ...args: unknown[]) {
    if (/FROM deliveries d JOIN events e/.test(this.sourceSQL)) queries++
    return original.apply(this, args)
  }
  try {
    return { result: await run(), queries }
  } finally {
    proto.all = original
  }
}

const claim = (store: SqliteStore, options: Partial<ClaimOptions> = {}) => store.claimDue('p', { now: Date.now(), limit: 100, ...options })

describe('claim hand-off (SQLite)', () => {
  it('claims new deliveries from memory once the queue was swept, exactly as the table would give them', async () => {
    const { store } = open()
    expect(await claim(store, { sweep: true })).toEqual([])
    const events = [event(), event(['p', 'q'], { decision: '{"action":"allow"}' }), event()]
    await Promise.all(events.map((e) => store.append(e)))
    const { result, queries } = await claimQueries(() => claim(store))
    expect(queries).toBe(0)
    expect(result.map((d) => d.event.id)).toEqual(events.map((e) => e.id))
    // What the claim query returns for the same rows, given back and swept again.
    for (const delivery of result) await store.release(delivery.id)
    const swept = await claim(store, { sweep: true })
    expect(swept).toEqual(result)
    expect(swept[1]!.event.decision).toBe('{"action":"allow"}')
    expect(swept[0]!.event.body).toContain('12345678901234567890')
  })

  it('never hands a delivery out twice when memory and a sweep meet', async () => {
    const { store } = open()
    await claim(store, { sweep: true })
    await Promise.all([event(), event(), event()].map((e) => store.append(e)))
    const first = await claim(store, { limit: 1 })
    expect(first).toHaveLength(1)
    // A sweep reads the table: it skips the claimed one and drops what memory held.
    const second = await claim(store, { sweep: true })
    expect(second.map((d) => d.id).sort()).not.toContain(first[0]!.id)
    expect(second).toHaveLength(2)
    expect(await claim(store)).toEqual([])
    for (const delivery of [...first, ...second]) await store.complete(delivery.id)
    expect(await claim(store, { sweep: true })).toEqual([])
  })

  it('hands a released delivery out again without a sweep being asked for', async () => {
    const { store } = open()
    await claim(store, { sweep: true })
    await store.append(event())
    const [delivery] = await claim(store)
    await store.release(delivery!.id)
    const again = await claim(store)
    expect(again.map((d) => d.id)).toEqual([delivery!.id])
  })

  it('finds a retry that fell due when the lane asks for a sweep, and only then reads the table', async () => {
    const { store } = open()
    await claim(store, { sweep: true })
    await store.append(event())
    const [delivery] = await claim(store)
    await store.retry(delivery!.id, Date.now() - 1, 'boom')
    const { result, queries } = await claimQueries(() => claim(store, { sweep: true }))
    expect(queries).toBe(1)
    expect(result.map((d) => [d.id, d.attempts])).toEqual([[delivery!.id, 1]])
  })

  it('finds replayed dead letters on the next claim', async () => {
    const { store } = open()
    await claim(store, { sweep: true })
    await store.append(event())
    const [delivery] = await claim(store)
    await store.bury(delivery!.id, 'permanent')
    expect(await claim(store)).toEqual([])
    expect(await store.replayDead({ plugin: 'p' })).toBe(1)
    expect((await claim(store)).map((d) => d.id)).toEqual([delivery!.id])
  })

  it("finds another process's writes on a sweep (the heartbeat)", async () => {
    const { store, path } = open()
    await claim(store, { sweep: true })
    await store.append(event())
    const [delivery] = await claim(store)
    await store.bury(delivery!.id, 'permanent')
    // `dlq replay` from another process: the store's memory knows nothing of it.
    const cli = new DatabaseSync(path)
    cli.exec("PRAGMA busy_timeout = 2000; UPDATE deliveries SET status = 'pending', attempts = 0")
    cli.close()
    expect(await claim(store)).toEqual([])
    expect((await claim(store, { sweep: true })).map((d) => d.id)).toEqual([delivery!.id])
  })

  it('goes back to the table when more new deliveries arrive than memory keeps, and loses none', async () => {
    const { store } = open()
    await claim(store, { sweep: true })
    const events = Array.from({ length: 5000 }, () => event())
    await Promise.all(events.map((e) => store.append(e)))
    const seen = new Set<string>()
    for (;;) {
      const batch = await claim(store, { limit: 256 })
      if (batch.length === 0) break
      for (const delivery of batch) {
        expect(seen.has(delivery.event.id)).toBe(false)
        seen.add(delivery.event.id)
      }
      await Promise.all(batch.map((delivery) => store.complete(delivery.id)))
    }
    expect(seen.size).toBe(5000)
    expect(await claim(store, { sweep: true })).toEqual([])
  })

  it('keeps nothing in memory for an ordered queue: its head always comes from the table', async () => {
    const { store } = open()
    await claim(store, { sweep: true, ordered: true, limit: 1 })
    await Promise.all([event(), event()].map((e) => store.append(e)))
    const head = await claim(store, { ordered: true, limit: 1 })
    expect(head).toHaveLength(1)
    // The head is claimed: an ordered lane gets nothing until it ends, memory or not.
    expect(await claim(store, { ordered: true, limit: 1 })).toEqual([])
    await store.complete(head[0]!.id)
    const next = await claim(store, { ordered: true, limit: 1 })
    expect(next.map((d) => d.event.id)).not.toEqual(head.map((d) => d.event.id))
    expect(next).toHaveLength(1)
  })
})
