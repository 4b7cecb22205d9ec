/**
 * The operator's read side of both stores (src/store/event-log.ts): filters, the id search at
 * any depth of the payload, cursor pages newest first, one event with every attempt, the
 * activity per minute, and what retention takes with an event.
 */
import { afterEach, expect, it } from 'bun:test'
import { join } from 'node:path'
import { uuidv7 } from '../../src/ingress/event-id.ts'
import { PgStore } from '../../src/store/postgres/store.ts'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { DeliveryStore, NewEvent } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'
import { freshPgUrl } from '../helpers/postgres.ts'
import { describeStore, STORE_KINDS, type StoreKind } from '../helpers/stores.ts'

const opened: DeliveryStore[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
})

/** `indexed: false` (SQLite): no search index runs, so every search scans (the path for events not indexed yet). */
async function openStore(kind: StoreKind, indexed = true): Promise<DeliveryStore> {
  const store =
    kind === 'sqlite'
      ? new SqliteStore({ path: join(tempDir('event-log-'), 'g.db'), serve: true, searchIndex: indexed })
      : await PgStore.open({ url: freshPgUrl('eventlog'), searchTerms: true })
  opened.push(store)
  return store
}

let t = Date.now() - 60_000
function event(command: string, body: string, targets: string[] = [], sdkAppId = '1400000000'): NewEvent {
  t += 10
  return { id: uuidv7(t), command, sdkAppId, receivedAt: t, body, targets, clientIp: '10.0.0.7', optPlatform: 'RESTAPI' }
}

/** Claims and settles one delivery of `plugin` by `outcome`. */
async function settle(store: DeliveryStore, plugin: string, outcome: 'done' | 'retry' | 'dead', error = 'boom'): Promise<number> {
  const [delivery] = await store.claimDue(plugin, { now: Date.now(), limit: 1, sweep: true })
  const timing = { at: Date.now(), ms: 12.5 }
  if (outcome === 'done') await store.complete(delivery!.id, timing)
  else if (outcome === 'retry') await store.retry(delivery!.id, Date.now() - 1, error, timing)
  else await store.bury(delivery!.id, error, timing)
  return delivery!.id
}

for (const kind of STORE_KINDS)
  describeStore(kind)(`event log (${kind})`, () => {
    for (const indexed of kind === 'sqlite' ? [true, false] : [true])
      it(`finds an event by an id nested anywhere in its payload, exactly, with big integers intact${indexed ? '' : ' (not indexed yet)'}`, async () => {
        const store = await openStore(kind, indexed)
        const destroy = event('Live.CallbackAfterDestroyRoom', '{"RoomId":"room-42","Operator_Account":"admin"}', ['crm'])
        const msg = event(
          'Group.CallbackAfterSendMsg',
          '{"GroupId":"@TGS#2ABC","From_Account":144115212826557295,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"see room-42"}}],"MsgKey":"k_1"}',
          ['crm'],
        )
        const other = event('Live.CallbackAfterDestroyRoom', '{"RoomId":"room-420"}')
        for (const e of [destroy, msg, other]) await store.append(e)
        if (store instanceof SqliteStore) await store.searchCaughtUp()
        const ids = async (q: string) => (await store.listEvents({ q, limit: 50 })).events.map((e) => e.id)
        expect(await ids('room-42')).toEqual([destroy.id])
        expect(await ids('ROOM-42')).toEqual([])
        expect(await ids('144115212826557295')).toEqual([msg.id])
        expect(await ids('@TGS#2ABC')).toEqual([msg.id])
        expect(await ids('k_1')).toEqual([msg.id])
        expect(await ids('see room-42')).toEqual([msg.id])
        expect(await ids('nothing-here')).toEqual([])
        const shown = await store.getEvent(msg.id)
        expect(shown!.body).toBe(msg.body)
        expect(shown!.body).toContain('144115212826557295')
      })

    it('filters by command, pattern, app, time and delivery status, newest first, a page at a time', async () => {
      const store = await openStore(kind)
      const events: NewEvent[] = []
      for (let i = 0; i < 7; i++) events.push(event('Live.CallbackAfterDestroyRoom', `{"RoomId":"r${i}"}`, ['crm'], i % 2 ? '1400000001' : '1400000000'))
      events.push(event('Group.CallbackAfterCreateGroup', '{"GroupId":"g1"}', ['audit']))
      for (const e of events) await store.append(e)
      const all = await store.listEvents({ limit: 3 })
      expect(all.events.map((e) => e.id)).toEqual(
        events
          .slice(-3)
          .reverse()
          .map((e) => e.id),
      )
      const second = await store.listEvents({ limit: 3, cursor: all.next })
      expect(second.events.map((e) => e.id)).toEqual(
        events
          .slice(-6, -3)
          .reverse()
          .map((e) => e.id),
      )
      const last = await store.listEvents({ limit: 3, cursor: second.next })
      expect(last.events.map((e) => e.id)).toEqual(
        events
          .slice(0, 2)
          .reverse()
          .map((e) => e.id),
      )
      expect(last.next).toBeUndefined()
      expect((await store.listEvents({ command: 'Group.CallbackAfterCreateGroup', limit: 10 })).events.map((e) => e.id)).toEqual([events[7]!.id])
      expect((await store.listEvents({ command: 'Live.*', limit: 10 })).events).toHaveLength(7)
      expect((await store.listEvents({ sdkAppIds: ['1400000001'], limit: 10 })).events).toHaveLength(3)
      const window = await store.listEvents({ since: events[2]!.receivedAt, until: events[5]!.receivedAt, limit: 10 })
      expect(window.events.map((e) => e.id)).toEqual(
        events
          .slice(2, 5)
          .reverse()
          .map((e) => e.id),
      )
      await settle(store, 'crm', 'dead')
      await settle(store, 'crm', 'done')
      const dead = await store.listEvents({ status: 'dead', limit: 10 })
      expect(dead.events.map((e) => e.id)).toEqual([events[0]!.id])
      expect(dead.events[0]!.deliveries).toEqual([{ id: expect.any(Number), plugin: 'crm', status: 'dead', attempts: 1 }])
      expect((await store.listEvents({ status: 'done', limit: 10 })).events.map((e) => e.id)).toEqual([events[1]!.id])
      expect((await store.listEvents({ status: 'pending', limit: 10 })).events).toHaveLength(6)
    })

    it('shows one event with each delivery and every attempt: time, outcome, error, duration', async () => {
      const store = await openStore(kind)
      const e = event('Live.CallbackAfterDestroyRoom', '{"RoomId":"room-7"}', ['crm', 'audit'])
      await store.append(e)
      await settle(store, 'crm', 'retry', 'crm answered 503')
      await settle(store, 'crm', 'done')
      await settle(store, 'audit', 'dead', 'PermanentError: rejected')
      const shown = await store.getEvent(e.id)
      expect(shown).toMatchObject({
        id: e.id,
        command: e.command,
        sdkAppId: e.sdkAppId,
        receivedAt: e.receivedAt,
        clientIp: '10.0.0.7',
        optPlatform: 'RESTAPI',
      })
      const crm = shown!.deliveries.find((d) => d.plugin === 'crm')!
      expect(crm.status).toBe('done')
      expect(crm.history.map((a) => [a.outcome, a.error ?? null, a.ms])).toEqual([
        ['retry', 'crm answered 503', 12.5],
        ['done', null, 12.5],
      ])
      const audit = shown!.deliveries.find((d) => d.plugin === 'audit')!
      expect(audit.history.map((a) => a.outcome)).toEqual(['dead'])
      expect(await store.getEvent(uuidv7())).toBeUndefined()
      const minutes = await store.activity(Date.now() - 5 * 60_000)
      expect(minutes.length).toBeGreaterThanOrEqual(5)
      const sum = (key: 'callbacks' | 'done' | 'retry' | 'dead') => minutes.reduce((total, m) => total + m[key], 0)
      expect([sum('done'), sum('retry'), sum('dead')]).toEqual([1, 1, 1])
    })
  })

describeStore('sqlite')('event log retention (sqlite)', () => {
  it("takes an event's attempts and search entry with it when retention prunes it", async () => {
    const path = join(tempDir('event-log-'), 'g.db')
    const store = new SqliteStore({ path, serve: true, searchIndex: true })
    opened.push(store)
    const old = { ...event('Live.CallbackAfterDestroyRoom', '{"RoomId":"room-old"}', ['crm']), receivedAt: Date.now() - 10 * 86_400_000 }
    old.id = uuidv7(old.receivedAt)
    await store.append(old)
    await settle(store, 'crm', 'done')
    // The newest event is always kept by retention: a recent one.
    await store.append(event('Live.CallbackAfterDestroyRoom', '{"RoomId":"room-new"}'))
    await store.searchCaughtUp()
    expect((await store.listEvents({ q: 'room-old', limit: 5 })).events).toHaveLength(1)
    // Retention counts from the delivery's last change: backdate it.
    const { DatabaseSync } = await import('node:sqlite')
    const raw = new DatabaseSync(path)
    raw.exec(`UPDATE deliveries SET updated_at = ${old.receivedAt} WHERE event_seq = 1`)
    expect(await store.prune(Date.now() - 7 * 86_400_000)).toBe(2)
    expect((await store.listEvents({ q: 'room-old', limit: 5 })).events).toEqual([])
    expect(Number((raw.prepare('SELECT COUNT(*) AS n FROM attempts').get() as { n: number }).n)).toBe(0)
    expect(Number((raw.prepare("SELECT COUNT(*) AS n FROM event_search WHERE event_search MATCH 'room_2d_old'").get() as { n: number }).n)).toBe(0)
    raw.close()
  })
})

describeStore('postgres')('event log across a cluster (postgres)', () => {
  it("shows one instance every instance's events, attempts and activity", async () => {
    const url = freshPgUrl('eventlog_cluster')
    const a = await PgStore.open({ url, searchTerms: true })
    const b = await PgStore.open({ url, searchTerms: true })
    opened.push(a, b)
    const fromA = event('Live.CallbackAfterDestroyRoom', '{"RoomId":"cluster-a"}', ['crm'])
    const fromB = event('Live.CallbackAfterDestroyRoom', '{"RoomId":"cluster-b"}', ['crm'])
    await a.append(fromA)
    await b.append(fromB)
    await settle(a, 'crm', 'done')
    await settle(b, 'crm', 'dead')
    for (const store of [a, b]) {
      expect((await store.listEvents({ limit: 10 })).events.map((e) => e.id)).toEqual([fromB.id, fromA.id])
      expect((await store.listEvents({ q: 'cluster-a', limit: 10 })).events.map((e) => e.id)).toEqual([fromA.id])
      const minutes = await store.activity(Date.now() - 5 * 60_000)
      expect([minutes.reduce((n, m) => n + m.done, 0), minutes.reduce((n, m) => n + m.dead, 0)]).toEqual([1, 1])
    }
  })
})
