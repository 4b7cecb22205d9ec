/**
 * The id search's edges, found by a review: case variants match exactly (a search for ADMIN used to
 * confirm every event holding admin, 11 s of work on the serving thread), an escaped value is found
 * whether indexed or scanned, a payload holding U+0000 is stored on PostgreSQL with search terms on,
 * and a long search yields the thread between steps.
 */
import { afterEach, expect, it } from 'bun:test'
import { join } from 'node:path'
import { uuidv7 } from '../../src/ingress/event-id.ts'
import { PgStore } from '../../src/store/postgres/store.ts'
import { searchToken } from '../../src/store/search-terms.ts'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { DeliveryStore } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'
import { freshPgUrl } from '../helpers/postgres.ts'
import { describeStore } from '../helpers/stores.ts'
import { turnsDuring } from '../helpers/turns.ts'

const opened: DeliveryStore[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
})
let t = Date.now() - 60_000
const append = (store: DeliveryStore, body: string) => {
  t += 1
  return store.append({ id: uuidv7(t), command: 'Group.CallbackAfterCreateGroup', sdkAppId: '1400000000', receivedAt: t, body, targets: [] })
}
const sqlite = (searchIndex: boolean) => {
  const store = new SqliteStore({ path: join(tempDir('search-edges-'), 'g.db'), serve: true, searchIndex })
  opened.push(store)
  return store
}

it('turns every value into one lower-case ASCII token, so the tokenizer folds nothing', () => {
  expect(searchToken('room-1')).toBe('room_2d_1')
  expect(searchToken('ADMIN')).toBe('_41__44__4d__49__4e_')
  expect(searchToken('café')).toBe('caf_e9_')
  expect(searchToken('_')).toBe('_5f_')
  for (const value of ['a_b', 'a_5f_b']) expect(searchToken(value)).toMatch(/^[a-z0-9_]+$/)
  expect(searchToken('a_b')).not.toBe(searchToken('a_5f_b'))
})

for (const indexed of [true, false]) {
  it(`matches case and accents exactly, and finds an escaped value (SQLite, ${indexed ? 'indexed' : 'not indexed yet'})`, async () => {
    const store = sqlite(indexed)
    await Promise.all(Array.from({ length: 300 }, (_, i) => append(store, `{"Owner_Account":"admin","GroupId":"g${i}"}`)))
    await append(store, '{"Owner_Account":"ADMIN","GroupId":"caf\\u00e9\\/1"}')
    await store.searchCaughtUp()
    const ids = async (q: string) => (await store.listEvents({ q, limit: 500 })).events.length
    expect(await ids('ADMIN')).toBe(1)
    expect(await ids('admin')).toBe(300)
    expect(await ids('Admin')).toBe(0)
    expect(await ids('café/1')).toBe(1)
    expect(await ids('cafe/1')).toBe(0)
  })
}

it('yields the event loop between the steps of a long search', async () => {
  const store = sqlite(false)
  await Promise.all(Array.from({ length: 5000 }, (_, i) => append(store, `{"Owner_Account":"admin","GroupId":"g${i}"}`)))
  // Nothing matches the command filter: the whole store is read, in steps.
  const { result, turns } = await turnsDuring(() => store.listEvents({ q: 'admin', command: 'Live.*', limit: 50 }))
  expect(result.events).toEqual([])
  expect(turns).toBeGreaterThanOrEqual(2)
})

describeStore('postgres')('search terms on PostgreSQL', () => {
  it('stores a callback whose text holds U+0000, and finds it by its other values', async () => {
    const store = await PgStore.open({ url: freshPgUrl('nul'), searchTerms: true })
    opened.push(store)
    expect(await append(store, '{"GroupId":"@TGS#nul","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"a\\u0000b"}}]}')).toBe('stored')
    expect((await store.listEvents({ q: '@TGS#nul', limit: 5 })).events).toHaveLength(1)
    expect((await store.listEvents({ q: 'ADMIN', limit: 5 })).events).toHaveLength(0)
  })
})
