/** Dedup (docs/design.md §3): same command + same payload within the window is answered OK and delivered once. */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { canonicalJson, dedupKey } from '../../src/ingress/dedup-key.ts'
import { OK_BODY } from '../../src/tencent/response.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, recordingConfig, tempDir, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'
import { describeStore, STORE_KINDS, storeYaml } from '../helpers/stores.ts'

const body = (room: string, time = 1703589922780) =>
  JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', Operator_Account: 'admin', RoomId: room, EventType: 'DestroyByUser', EventTime: time })
const reordered = (room: string) =>
  `{ "EventTime": 1703589922780,\n  "RoomId": "${room}", "EventType": "DestroyByUser",\n  "Operator_Account": "admin", "CallbackCommand": "Live.CallbackAfterDestroyRoom" }`

let gw: TestGateway
beforeEach(() => resetRecording())
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 1000 })
})

/** Waits until the deliveries settle, then returns the delivered RoomIds. */
async function settledRooms(id: string, expected: number): Promise<string[]> {
  await until(() => deliveredTo(id).length >= expected, 3000, `${expected} deliveries`)
  await new Promise((r) => setTimeout(r, 250))
  return deliveredTo(id).map((e) => String(e.payload.RoomId))
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}')
    expect(dedupKey('X', { a: 1, b: 2 })).toBe(dedupKey('X', { b: 2, a: 1 }))
    expect(dedupKey('X', { a: 1 })).not.toBe(dedupKey('Y', { a: 1 }))
    // Two apps sending the same body are two callbacks (docs/design.md §3 tencent.apps).
    expect(dedupKey('X', { a: 1 }, '1400000001')).not.toBe(dedupKey('X', { a: 1 }, '1400000002'))
    expect(dedupKey('X', { a: 1 }, '1400000001')).toBe(dedupKey('X', { a: 1 }, '1400000001'))
  })
})

for (const kind of STORE_KINDS)
  describeStore(kind)(`dedup window [${kind}]`, () => {
    const config = (options: Parameters<typeof recordingConfig>[0] = {}) => recordingConfig({ ...options, store: storeYaml(kind, 'dedup') })

    it('delivers a payload sent twice (keys reordered, other whitespace) once per sink, answering OK both times', async () => {
      gw = await makeGateway(config({ ids: ['a', 'b'] }))
      expect(await (await gw.post(tencentQuery(), body('room-1'))).text()).toBe(OK_BODY)
      expect(await (await gw.post(tencentQuery(), reordered('room-1'))).text()).toBe(OK_BODY)
      expect(await settledRooms('a', 1)).toEqual(['room-1'])
      expect(await settledRooms('b', 1)).toEqual(['room-1'])
    })

    it('treats two destroy events of one room with different EventTime as two', async () => {
      gw = await makeGateway(config())
      await gw.post(tencentQuery(), body('room-1', 1))
      await gw.post(tencentQuery(), body('room-1', 2))
      expect(await settledRooms('rec', 2)).toEqual(['room-1', 'room-1'])
    })

    it('collapses identical callbacks that arrive together (one commit batch)', async () => {
      gw = await makeGateway(config())
      const answers = await Promise.all(Array.from({ length: 5 }, () => gw.post(tencentQuery(), body('same'))))
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
      expect(await settledRooms('rec', 1)).toEqual(['same'])
    })

    it('holds across a restart of the gateway', async () => {
      const dir = tempDir()
      const yaml = config()
      gw = await makeGateway(yaml, { dir })
      await gw.post(tencentQuery(), body('room-r'))
      await settledRooms('rec', 1)
      await gw.close()
      gw = await makeGateway(yaml, { dir })
      expect((await gw.post(tencentQuery(), reordered('room-r'))).status).toBe(200)
      await gw.post(tencentQuery(), body('room-after'))
      expect(await settledRooms('rec', 2)).toEqual(['room-r', 'room-after'])
    })

    it('stores the same payload again once the window has passed', async () => {
      gw = await makeGateway(config({ extra: 'dedupWindowSeconds: 1' }))
      await gw.post(tencentQuery(), body('room-w'))
      await gw.post(tencentQuery(), body('room-w'))
      await settledRooms('rec', 1)
      await new Promise((r) => setTimeout(r, 1100))
      await gw.post(tencentQuery(), body('room-w'))
      expect(await settledRooms('rec', 2)).toEqual(['room-w', 'room-w'])
    })

    it('is off with dedupWindowSeconds: 0', async () => {
      gw = await makeGateway(config({ extra: 'dedupWindowSeconds: 0' }))
      await gw.post(tencentQuery(), body('room-0'))
      await gw.post(tencentQuery(), body('room-0'))
      expect(await settledRooms('rec', 2)).toEqual(['room-0', 'room-0'])
    })
  })

describe('dedup and failed commits', () => {
  it('never answers 200 to a duplicate whose first copy failed to commit', async () => {
    const { DatabaseSync } = await import('node:sqlite')
    const { join } = await import('node:path')
    gw = await makeGateway(recordingConfig())
    await gw.post(tencentQuery(), body('warm-up'))
    const saboteur = new DatabaseSync(join(gw.dir, 'data', 'gateway.db'))
    saboteur.exec("CREATE TRIGGER fail_inserts BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk failure'); END")
    const answers = await Promise.all([gw.post(tencentQuery(), body('same')), gw.post(tencentQuery(), reordered('same'))])
    expect(answers.map((a) => a.status)).toEqual([503, 503])
    saboteur.exec('DROP TRIGGER fail_inserts')
    saboteur.close()
    // The key was given back: the callback can be stored now.
    expect((await gw.post(tencentQuery(), body('same'))).status).toBe(200)
    expect(await settledRooms('rec', 2)).toEqual(['warm-up', 'same'])
  })
})
