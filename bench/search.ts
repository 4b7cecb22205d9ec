/**
 * The admin console's search (issue 16): find an event by an id in its payload within 200 ms in a
 * store of 1,000,000 events, on both stores. Fills a store with BENCH_EVENTS events (default
 * 1,000,000; three in four a destroy-room callback with its own RoomId, one in four a group message
 * with a nested MsgKey and a From_Account above 2^53), one done delivery each, then times
 * `listEvents({ q, limit: 50 })`, the query behind GET /api/events?q=, for ids of old, middle and
 * new events, a nested big integer, and an id that no event holds; and the same through the admin
 * API on SQLite. SQLite: the events are written straight into the file, then the gateway's own
 * search indexer indexes them (its rate is printed). PostgreSQL: written by generate_series with
 * the terms search-terms.ts gives (checked on a sample). Skipped without PostgreSQL.
 *
 *   bun bench/search.ts     (BENCH_EVENTS, BENCH_STORES=sqlite,postgres)
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import postgres from 'postgres'
import { createAdminApp } from '../src/admin/api.ts'
import { uuidv7 } from '../src/ingress/event-id.ts'
import { silentLogger } from '../src/log.ts'
import { PgStore } from '../src/store/postgres/store.ts'
import { searchTerms } from '../src/store/search-terms.ts'
import { SqliteStore } from '../src/store/sqlite/store.ts'
import type { DeliveryStore } from '../src/store/store.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',')
const PG_URL = process.env.GATEWAY_BENCH_PG_URL || process.env.GATEWAY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'
const BIG = 144115212826557295n
const START = Date.now() - EVENTS * 10

const destroy = (i: number) =>
  `{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":"admin-${i % 997}","RoomId":"room-${i}","EventType":"DestroyByUser","EventTime":${START + i * 10}}`
const message = (i: number) =>
  `{"CallbackCommand":"Group.CallbackAfterSendMsg","GroupId":"@TGS#${i % 5000}","From_Account":${BIG + BigInt(i)},"MsgKey":"key-${i}","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello ${i % 100}"}}],"EventTime":${START + i * 10}}`
const body = (i: number) => (i % 4 === 3 ? message(i) : destroy(i))

/** What is searched, and how many events hold it. */
const QUERIES: Array<[string, string, number]> = [
  ["an old event's RoomId", 'room-12', 1],
  ["a middle event's RoomId", `room-${Math.floor(EVENTS / 2)}`, 1],
  ["a new event's RoomId", `room-${EVENTS - 4}`, 1],
  ['a nested MsgKey', `key-${EVENTS - 1 - ((EVENTS - 1) % 4) - 1}`, 1],
  ['a From_Account above 2^53', String(BIG + BigInt(EVENTS - 1 - ((EVENTS - 1) % 4) - 1)), 1],
  ['an id no event holds', 'room-missing', 0],
  // admin-1 is the Operator_Account of about one event in a thousand: its case variant matches none.
  ['a case variant of a common value', 'ADMIN-1', 0],
]

async function time<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const result = await work()
  return [result, performance.now() - started]
}

async function measure(name: string, store: DeliveryStore): Promise<void> {
  const rows: string[] = []
  for (const [what, q, expected] of QUERIES) {
    const runs: number[] = []
    let found = -1
    for (let i = 0; i < 5; i++) {
      const [page, ms] = await time(() => store.listEvents({ q, limit: 50 }))
      found = page.events.length
      runs.push(ms)
    }
    if (found !== expected) throw new Error(`${name}: ${what} (${q}) found ${found} events, expected ${expected}`)
    runs.sort((a, b) => a - b)
    rows.push(`| ${name} | ${what} | ${q} | ${found} | ${runs[0]!.toFixed(1)} | ${runs[2]!.toFixed(1)} | ${runs[4]!.toFixed(1)} |`)
  }
  console.log(rows.join('\n'))
}

async function sqlite(): Promise<void> {
  const path = join(mkdtempSync(join(tmpdir(), 'bench-search-')), 'gateway.db')
  await new SqliteStore({ path }).close()
  const db = new DatabaseSync(path)
  const [, fillMs] = await time(async () => {
    const event = db.prepare('INSERT INTO events (id, command, sdk_app_id, received_at, body) VALUES (?, ?, ?, ?, ?)')
    const delivery = db.prepare("INSERT INTO deliveries (event_seq, plugin, status, attempts, next_at, updated_at) VALUES (?, 'crm', 'done', 1, ?, ?)")
    db.exec('BEGIN')
    for (let i = 0; i < EVENTS; i++) {
      const at = START + i * 10
      const { lastInsertRowid } = event.run(uuidv7(at), i % 4 === 3 ? 'Group.CallbackAfterSendMsg' : 'Live.CallbackAfterDestroyRoom', '1400000000', at, body(i))
      delivery.run(lastInsertRowid, at, at)
      if (i % 100_000 === 99_999) db.exec('COMMIT; BEGIN')
    }
    db.exec('COMMIT')
  })
  db.close()
  const store = new SqliteStore({ path, serve: true, searchIndex: true })
  const [, indexMs] = await time(() => store.searchCaughtUp())
  console.error(
    `bench: sqlite filled ${EVENTS} events in ${(fillMs / 1000).toFixed(1)} s; the gateway's indexer took ${(indexMs / 1000).toFixed(1)} s (${((indexMs * 1000) / EVENTS).toFixed(1)} µs an event)`,
  )
  await measure('SQLite', store)
  // The same search through the admin API (its JSON, the payload lookups, the HTTP layer in process).
  const app = createAdminApp({ store, token: '', appNames: () => new Map(), inFlight: () => ({}), wake: () => {}, logger: silentLogger })
  const [, apiMs] = await time(async () => (await app.handle(new Request(`http://admin/api/events?q=room-${Math.floor(EVENTS / 2)}`))).json())
  console.log(`| SQLite, through GET /api/events | a middle event's RoomId | room-${Math.floor(EVENTS / 2)} | 1 | ${apiMs.toFixed(1)} | | |`)
  await store.close()
}

async function pg(): Promise<void> {
  const schema = `bench_search_${Date.now().toString(36)}`
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}search_path=${schema}`
  const raw = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    await raw`SELECT 1`
  } catch (error) {
    console.error(`bench: PostgreSQL at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} is unreachable (${(error as Error).message}); skipped`)
    await raw.end()
    return
  }
  const store = await PgStore.open({ url, searchTerms: true, listen: false })
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const [, fillMs] = await time(async () => {
    // Bodies and ids as the JS side writes them (uuidv7 of the receive time: the same layout).
    await sql.unsafe(`
      INSERT INTO gateway_events (id, command, sdk_app_id, received_at, body)
      SELECT
        lpad(to_hex(${START} + i * 10), 12, '0') || '-7000-8000-' || lpad(to_hex(i), 12, '0'),
        CASE WHEN i % 4 = 3 THEN 'Group.CallbackAfterSendMsg' ELSE 'Live.CallbackAfterDestroyRoom' END,
        '1400000000', ${START} + i * 10,
        CASE WHEN i % 4 = 3
          THEN format('{"CallbackCommand":"Group.CallbackAfterSendMsg","GroupId":"@TGS#%s","From_Account":%s,"MsgKey":"key-%s","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello %s"}}],"EventTime":%s}', i % 5000, ${BIG}::numeric + i, i, i % 100, ${START} + i * 10)
          ELSE format('{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":"admin-%s","RoomId":"room-%s","EventType":"DestroyByUser","EventTime":%s}', i % 997, i, ${START} + i * 10)
        END
      FROM generate_series(0, ${EVENTS - 1}) AS i ORDER BY i`)
    await sql.unsafe(
      `INSERT INTO gateway_deliveries (event_seq, plugin, status, attempts, next_at, updated_at) SELECT seq, 'crm', 'done', 1, received_at, received_at FROM gateway_events`,
    )
    // The terms searchTerms() gives for these bodies: every string and number leaf.
    await sql.unsafe(`
      INSERT INTO gateway_event_terms (event_seq, term)
      SELECT e.seq, t.term FROM gateway_events e,
        LATERAL (SELECT DISTINCT v AS term FROM jsonb_path_query(e.body::jsonb, 'strict $.**') AS j(x),
                 LATERAL (SELECT CASE jsonb_typeof(x) WHEN 'string' THEN x #>> '{}' WHEN 'number' THEN x::text END AS v) s
                 WHERE v IS NOT NULL) t`)
    await sql.unsafe('ANALYZE')
  })
  // The terms written in SQL must be the ones the gateway writes.
  for (const i of [0, 3, Math.floor(EVENTS / 2) + 3]) {
    const [row] = await sql`SELECT seq, body FROM gateway_events WHERE body LIKE ${`%"RoomId":"room-${i}"%`} OR body LIKE ${`%"MsgKey":"key-${i}"%`} LIMIT 1`
    const terms = (await sql`SELECT term FROM gateway_event_terms WHERE event_seq = ${row!.seq} ORDER BY term`).map((r) => r.term as string)
    const expected = searchTerms(row!.body as string).sort()
    if (JSON.stringify(terms) !== JSON.stringify(expected)) throw new Error(`terms of event ${i} differ: ${terms} against ${expected}`)
  }
  console.error(`bench: postgres filled ${EVENTS} events with their terms in ${(fillMs / 1000).toFixed(1)} s`)
  await measure('PostgreSQL', store)
  await store.close()
  await sql.end()
  await raw`DROP SCHEMA ${raw(schema)} CASCADE`
  await raw.end()
}

console.log(`Search by id in the payload, ${EVENTS.toLocaleString('en')} events, listEvents({ q, limit: 50 }), 5 runs each, ms`)
console.log('| store | what | q | found | min ms | median ms | max ms |\n| --- | --- | --- | --- | --- | --- | --- |')
if (STORES.includes('sqlite')) await sqlite()
if (STORES.includes('postgres')) await pg()
