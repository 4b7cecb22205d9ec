/** Decisions kept with their event (docs/design.md §8.4), on both stores: handed to deliveries, and recalled by dedup key. */
import { afterEach, describe, expect, it } from 'bun:test'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { toGatewayEvent } from '../../src/delivery/dispatcher.ts'
import { PgStore } from '../../src/store/postgres/store.ts'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { DeliveryStore, NewEvent } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'
import { freshPgUrl, rawSql } from '../helpers/postgres.ts'
import { describeStore, STORE_KINDS, type StoreKind } from '../helpers/stores.ts'

/** A decision as the pipeline records it: an account id above 2^53 in `fields`, unquoted. */
const DECISION =
  '{"action":"modify","errorCode":0,"fields":{"To_Account":144115216631667826,"MsgBody":[{"MsgType":"TIMTextElem"}]},"source":"plugin","decider":"guard","ms":4}'
const WINDOW = 60_000

const open: DeliveryStore[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close()
})

interface Opened {
  store: DeliveryStore
  /** Makes the store's insert of an event with this id fail (a trigger, written beside the store). */
  refuseEvent(id: string): Promise<void>
}

async function openStore(kind: StoreKind, dedupWindowMs: number): Promise<Opened> {
  if (kind === 'sqlite') {
    const path = join(tempDir('decide-'), 'g.db')
    const store = new SqliteStore({ path, dedupWindowMs })
    open.push(store)
    const refuseEvent = async (id: string) => {
      const raw = new DatabaseSync(path)
      raw.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = '${id}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
      raw.close()
    }
    return { store, refuseEvent }
  }
  const url = freshPgUrl('decide')
  const store = await PgStore.open({ url, dedupWindowMs })
  open.push(store)
  const refuseEvent = async (id: string) => {
    const sql = rawSql(url)
    await sql.unsafe(`
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON gateway_events FOR EACH ROW WHEN (NEW.id = '${id}') EXECUTE FUNCTION refuse();`)
    await sql.end()
  }
  return { store, refuseEvent }
}

let n = 0
function event(extra: Partial<NewEvent> = {}): NewEvent {
  n++
  return {
    id: `evt-${n}-${crypto.randomUUID()}`,
    command: 'Group.CallbackBeforeSendMsg',
    sdkAppId: '1400000000',
    receivedAt: Date.now(),
    body: `{"GroupId":"g${n}"}`,
    targets: ['audit'],
    ...extra,
  }
}

for (const kind of STORE_KINDS)
  describeStore(kind)(`decisions [${kind}]`, () => {
    it('hands the decision to a claimed delivery and to the plugin event, big integers exact, after payload', async () => {
      const { store } = await openStore(kind, 0)
      const decided = event({ decision: DECISION })
      const plain = event()
      await store.append(decided)
      await store.append(plain)
      const claimed = await store.claimDue('audit', { now: Date.now(), limit: 10 })
      const byId = new Map(claimed.map((d) => [d.event.id, d]))
      expect(byId.get(decided.id)!.event.decision).toBe(DECISION)
      expect(byId.get(plain.id)!.event.decision).toBeUndefined()
      const delivered = toGatewayEvent(byId.get(decided.id)!, 1)
      expect(Object.keys(delivered)).toEqual(['id', 'command', 'sdkAppId', 'receivedAt', 'attempt', 'payload', 'decision'])
      expect(delivered.decision).toEqual({
        action: 'modify',
        errorCode: 0,
        fields: { To_Account: '144115216631667826', MsgBody: [{ MsgType: 'TIMTextElem' }] },
        source: 'plugin',
        decider: 'guard',
        ms: 4,
      })
      expect('decision' in toGatewayEvent(byId.get(plain.id)!, 1)).toBe(false)
    })

    it('recalls the decision of a key within the window only, and keeps the first copy’s', async () => {
      const { store } = await openStore(kind, WINDOW)
      const at = Date.now()
      expect(await store.append(event({ dedupKey: 'k1', receivedAt: at, decision: DECISION }))).toBe('stored')
      expect(await store.append(event({ dedupKey: 'k2', receivedAt: at }))).toBe('stored')
      // A later copy with another decision is a duplicate: the stored decision stays.
      expect(await store.append(event({ dedupKey: 'k1', receivedAt: at + 1, decision: '{"action":"deny"}' }))).toBe('duplicate')
      expect(await store.recallDecision('k1', at + 1000)).toBe(DECISION)
      expect(await store.recallDecision('k1', at + WINDOW - 1)).toBe(DECISION)
      expect(await store.recallDecision('k1', at + WINDOW)).toBeUndefined()
      expect(await store.recallDecision('k2', at + 1000)).toBeUndefined()
      expect(await store.recallDecision('other', at + 1000)).toBeUndefined()
    })

    it('recalls nothing when dedup is off', async () => {
      const { store } = await openStore(kind, 0)
      const at = Date.now()
      expect(await store.append(event({ dedupKey: 'k1', receivedAt: at, decision: DECISION }))).toBe('stored')
      expect(await store.recallDecision('k1', at + 1000)).toBeUndefined()
    })

    it('waits for a first copy still committing, then gives its decision', async () => {
      const { store } = await openStore(kind, WINDOW)
      const at = Date.now()
      const order: string[] = []
      const appended = store.append(event({ dedupKey: 'k1', receivedAt: at, decision: DECISION })).then((result) => void order.push(result))
      const recalled = store.recallDecision('k1', at + 1).then((decision) => (order.push('recalled'), decision))
      expect(await recalled).toBe(DECISION)
      await appended
      expect(order).toEqual(['stored', 'recalled'])
    })

    it('recalls nothing for a first copy whose commit failed, and the key is free again', async () => {
      const { store, refuseEvent } = await openStore(kind, WINDOW)
      await refuseEvent('boom')
      const at = Date.now()
      const order: string[] = []
      const appended = store.append(event({ id: 'boom', dedupKey: 'k1', receivedAt: at, decision: DECISION })).catch(() => void order.push('refused'))
      const recalled = store.recallDecision('k1', at + 1).then((decision) => (order.push('recalled'), decision))
      expect(await recalled).toBeUndefined()
      await appended
      expect(order).toEqual(['refused', 'recalled'])
      expect(await store.append(event({ dedupKey: 'k1', receivedAt: at + 2, decision: '{"action":"allow"}' }))).toBe('stored')
      expect(await store.recallDecision('k1', at + 3)).toBe('{"action":"allow"}')
    })
  })

describe('decisions [sqlite] after a restart', () => {
  it('rebuilds the dedup window with the stored decisions', async () => {
    const path = join(tempDir('decide-'), 'g.db')
    const at = Date.now()
    const first = new SqliteStore({ path, dedupWindowMs: WINDOW })
    await first.append(event({ dedupKey: 'k1', receivedAt: at, decision: DECISION }))
    await first.append(event({ dedupKey: 'k2', receivedAt: at }))
    await first.close()
    const store = new SqliteStore({ path, dedupWindowMs: WINDOW })
    open.push(store)
    expect(await store.recallDecision('k1', at + 1)).toBe(DECISION)
    expect(await store.recallDecision('k2', at + 1)).toBeUndefined()
    expect(await store.append(event({ dedupKey: 'k1', receivedAt: at + 2 }))).toBe('duplicate')
  })
})
