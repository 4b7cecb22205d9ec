/**
 * Every row of the docs/design.md §4 status table, through the real app, store and dispatcher.
 * A rejected callback must get its status and a FAIL body, and reach no plugin.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { computeSign } from '../../src/tencent/signature.ts'
import { OK_BODY } from '../../src/tencent/response.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, recordingConfig, SEED_BODY, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'

const TOKEN = 'xxxxyyyy'
let gw: TestGateway

async function expectFail(response: Response, status: number, code: number) {
  expect(response.status).toBe(status)
  const body = await response.json()
  expect(Object.keys(body)).toEqual(['ActionStatus', 'ErrorInfo', 'ErrorCode'])
  expect(body.ActionStatus).toBe('FAIL')
  expect(body.ErrorCode).toBe(code)
  expect(typeof body.ErrorInfo).toBe('string')
  return body
}

/** Sends one good callback after the bad ones and waits for it: anything bad delivered would show up first. */
async function expectOnlyGoodDelivered(query = tencentQuery()) {
  const good = await gw.post(query, SEED_BODY.replace('tandy-test-rest', 'good-room'))
  expect(good.status).toBe(200)
  await until(() => deliveredTo('rec').length >= 1, 3000, 'the good callback')
  await new Promise((r) => setTimeout(r, 100))
  expect(deliveredTo('rec').map((e) => e.payload.RoomId)).toEqual(['good-room'])
}

function signedQuery(requestTime = Math.floor(Date.now() / 1000), token = TOKEN, extra: Record<string, string> = {}) {
  return tencentQuery({ Sign: computeSign(token, String(requestTime)), RequestTime: String(requestTime), ...extra })
}

beforeEach(() => resetRecording())
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 1000 })
})

describe('accepted', () => {
  beforeEach(async () => {
    gw = await makeGateway(recordingConfig())
  })

  it('answers the seed sample with exactly the OK body and delivers it', async () => {
    const response = await gw.post(tencentQuery())
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(OK_BODY)
    expect(response.headers.get('content-type')).toContain('application/json')
    const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'))
    expect(event!.command).toBe('Live.CallbackAfterDestroyRoom')
    expect(event!.sdkAppId).toBe('1400000000')
    expect(event!.clientIp).toBe('127.0.0.1')
    expect(event!.optPlatform).toBe('RESTAPI')
    expect(event!.attempt).toBe(1)
    expect(event!.payload).toEqual(JSON.parse(SEED_BODY))
  })

  it('matches query keys case-insensitively (SdkAppId, sdkappid)', async () => {
    expect((await gw.post('SdkAppId=1400000000&CallbackCommand=Live.CallbackAfterDestroyRoom')).status).toBe(200)
    expect((await gw.post('sdkappid=1400000000&callbackcommand=Live.CallbackAfterDestroyRoom')).status).toBe(200)
  })

  it('takes the command from the body when the query has none', async () => {
    expect((await gw.post('SdkAppid=1400000000')).status).toBe(200)
    await until(() => deliveredTo('rec').length === 1)
  })

  it('tolerates a UTF-8 byte-order mark and needs no Content-Type', async () => {
    const response = await gw.post(tencentQuery(), `\uFEFF${SEED_BODY}`, { headers: {} })
    expect(response.status).toBe(200)
    const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'))
    expect(event!.payload.RoomId).toBe('tandy-test-rest')
  })

  it('keeps integers above 2^53 exact and unknown fields', async () => {
    const body =
      '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":144115216631667826,"RoomId":"r1","EventType":"DestroyBySystem","EventTime":"1703589922780","NewField":{"x":[1,2]}}'
    expect((await gw.post(tencentQuery(), body)).status).toBe(200)
    const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'))
    expect(event!.payload.Operator_Account).toBe('144115216631667826')
    expect(event!.payload.EventTime).toBe('1703589922780')
    expect(event!.payload.NewField).toEqual({ x: [1, 2] })
  })

  it('accepts an unknown command and an unrouted one with OK', async () => {
    const body = '{"CallbackCommand":"Live.CallbackSomethingNew","Foo":1}'
    expect(await (await gw.post('SdkAppid=1400000000&CallbackCommand=Live.CallbackSomethingNew', body)).text()).toBe(OK_BODY)
  })

  it('accepts a body without CallbackCommand when the query names the command', async () => {
    const body = JSON.stringify({ RoomId: 'r2', EventType: 'DestroyByUser', EventTime: 1 })
    expect((await gw.post(tencentQuery(), body)).status).toBe(200)
    const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'))
    expect(event!.command).toBe('Live.CallbackAfterDestroyRoom')
  })

  it("passes OptPlatform through as sent: State.StateChange's upper-case IOS and everyone else's iOS", async () => {
    await gw.post(tencentQuery({ OptPlatform: 'IOS' }), SEED_BODY.replace('tandy-test-rest', 'upper'))
    await gw.post(tencentQuery({ OptPlatform: 'iOS' }), SEED_BODY.replace('tandy-test-rest', 'mixed'))
    await until(() => deliveredTo('rec').length === 2)
    const byRoom = Object.fromEntries(deliveredTo('rec').map((e) => [e.payload.RoomId, e.optPlatform]))
    expect(byRoom).toEqual({ upper: 'IOS', mixed: 'iOS' })
  })

  it('accepts a configured URL that carries its own query string', async () => {
    const response = await gw.post(`tenant=a&${tencentQuery()}`)
    expect(response.status).toBe(200)
  })
})

describe('403: SdkAppid', () => {
  beforeEach(async () => {
    gw = await makeGateway(recordingConfig())
  })

  it('rejects a missing SdkAppid', async () => {
    await expectFail(await gw.post('CallbackCommand=Live.CallbackAfterDestroyRoom'), 403, 40301)
    await expectOnlyGoodDelivered()
  })

  it('rejects an SdkAppid that is not ours', async () => {
    await expectFail(await gw.post(tencentQuery({}, '1400000001')), 403, 40302)
    await expectOnlyGoodDelivered()
  })

  it('accepts any of several configured app ids', async () => {
    await gw.close()
    gw = await makeGateway(recordingConfig().replace('sdkAppId: 1400000000', 'sdkAppId: [1400000000, "1400000002"]'))
    expect((await gw.post(tencentQuery({}, '1400000002'))).status).toBe(200)
    expect((await gw.post(tencentQuery({}, '1400000000'))).status).toBe(200)
    await expectFail(await gw.post(tencentQuery({}, '1400000003')), 403, 40302)
  })
})

describe('403: Sign and RequestTime', () => {
  beforeEach(async () => {
    gw = await makeGateway(recordingConfig({ tencent: `  token: ${TOKEN}\n  tokens: [next-token-2]` }))
  })

  it('accepts a correct signature', async () => {
    expect((await gw.post(signedQuery())).status).toBe(200)
  })

  it('accepts the rotation token too', async () => {
    expect((await gw.post(signedQuery(undefined, 'next-token-2'))).status).toBe(200)
  })

  it('rejects a missing Sign', async () => {
    await expectFail(await gw.post(tencentQuery({ RequestTime: String(Math.floor(Date.now() / 1000)) })), 403, 40303)
    await expectOnlyGoodDelivered(signedQuery())
  })

  it('rejects a wrong Sign', async () => {
    await expectFail(await gw.post(signedQuery(undefined, 'wrong-token')), 403, 40304)
    await expectOnlyGoodDelivered(signedQuery())
  })

  it("rejects the docs' own example as stale (RequestTime 1669872112 is years old)", async () => {
    const query = tencentQuery({ Sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061', RequestTime: '1669872112' })
    await expectFail(await gw.post(query), 403, 40305)
    await expectOnlyGoodDelivered(signedQuery())
  })

  it('rejects a correctly signed RequestTime outside the window', async () => {
    await expectFail(await gw.post(signedQuery(Math.floor(Date.now() / 1000) - 61)), 403, 40305)
    await expectFail(await gw.post(signedQuery(Math.floor(Date.now() / 1000) + 120)), 403, 40305)
    await expectOnlyGoodDelivered(signedQuery())
  })

  it('rejects a RequestTime that is not a number', async () => {
    await expectFail(await gw.post(tencentQuery({ Sign: 'ab', RequestTime: 'soon' })), 403, 40306)
  })
})

describe('400: body', () => {
  beforeEach(async () => {
    gw = await makeGateway(recordingConfig())
  })

  it('rejects the doc sample with its // comment: it is not JSON', async () => {
    const withComment = SEED_BODY.replace('"DestroyByUser",', '"DestroyByUser", // user or system')
    await expectFail(await gw.post(tencentQuery(), withComment), 400, 40001)
    await expectOnlyGoodDelivered()
  })

  it('rejects a JSON array and a scalar', async () => {
    await expectFail(await gw.post(tencentQuery(), '[1,2]'), 400, 40002)
    await expectFail(await gw.post(tencentQuery(), '"text"'), 400, 40002)
    await expectFail(await gw.post(tencentQuery(), 'null'), 400, 40002)
    await expectOnlyGoodDelivered()
  })

  it('rejects an empty body and invalid UTF-8', async () => {
    await expectFail(await gw.post(tencentQuery(), ''), 400, 40001)
    await expectFail(await gw.post(tencentQuery(), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, 40001)
  })

  it('rejects a missing required field, naming it', async () => {
    const body = JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', Operator_Account: 'admin', EventType: 'DestroyByUser', EventTime: 1 })
    const fail = await expectFail(await gw.post(tencentQuery(), body), 400, 40003)
    expect(fail.ErrorInfo).toContain('RoomId')
    await expectOnlyGoodDelivered()
  })

  it('rejects a field of the wrong type or value', async () => {
    const base = JSON.parse(SEED_BODY)
    await expectFail(await gw.post(tencentQuery(), JSON.stringify({ ...base, EventType: 'Exploded' })), 400, 40003)
    await expectFail(await gw.post(tencentQuery(), JSON.stringify({ ...base, EventTime: 'yesterday' })), 400, 40003)
    await expectFail(await gw.post(tencentQuery(), JSON.stringify({ ...base, RoomId: 42 })), 400, 40003)
    await expectFail(await gw.post(tencentQuery(), JSON.stringify({ ...base, Operator_Account: { id: 1 } })), 400, 40003)
    await expectOnlyGoodDelivered()
  })

  it("rejects a query CallbackCommand that disagrees with the body's", async () => {
    const query = tencentQuery({ CallbackCommand: 'Live.CallbackAfterCreateRoom' })
    await expectFail(await gw.post(query), 400, 40004)
    await expectOnlyGoodDelivered()
  })

  it('rejects a callback with no command anywhere', async () => {
    await expectFail(await gw.post('SdkAppid=1400000000', '{"RoomId":"x"}'), 400, 40005)
  })

  it('checks other known commands on their documented fields, open to extra ones', async () => {
    const q = 'SdkAppid=1400000000&CallbackCommand=Live.CallbackAfterMemberStateChanged'
    await expectFail(await gw.post(q, '{"CallbackCommand":"Live.CallbackAfterMemberStateChanged","EventType":"Online"}'), 400, 40003)
    const body = '{"RoomId":"r","EventType":"Online","EventCause":"Enter","MemberList":[{"Member_Account":"u"}],"EventTime":1,"Anything":true}'
    expect((await gw.post(q, body)).status).toBe(200)
  })
})

describe('413: size', () => {
  beforeEach(async () => {
    gw = await makeGateway(recordingConfig({ extra: 'server:\n  maxBodyBytes: 1024' }))
  })

  it('rejects a body whose Content-Length is over the limit', async () => {
    const big = JSON.stringify({ ...JSON.parse(SEED_BODY), Pad: 'x'.repeat(2000) })
    await expectFail(await gw.post(tencentQuery(), big), 413, 41301)
    await expectOnlyGoodDelivered()
  })

  it('rejects a chunked body (no Content-Length) that grows over the limit', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(400))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const request = new Request(`http://localhost/callback?${tencentQuery()}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
    expect(request.headers.get('content-length')).toBeNull()
    await expectFail(await gw.app.handle(request), 413, 41301)
    expect(sent).toBeLessThan(10)
    await expectOnlyGoodDelivered()
  })

  it('accepts a chunked body under the limit', async () => {
    const bytes = new TextEncoder().encode(SEED_BODY)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 20))
        controller.enqueue(bytes.slice(20))
        controller.close()
      },
    })
    const request = new Request(`http://localhost/callback?${tencentQuery()}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
    expect((await gw.app.handle(request)).status).toBe(200)
  })
})

describe('405: method', () => {
  beforeEach(async () => {
    gw = await makeGateway(recordingConfig())
  })

  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
    it(`rejects ${method} on the callback path`, async () => {
      const response = await gw.app.handle(new Request(`http://localhost/callback?${tencentQuery()}`, { method, body: method === 'GET' ? null : SEED_BODY }))
      await expectFail(response, 405, 40501)
      expect(response.headers.get('allow')).toBe('POST')
    })
  }
})

describe('503: store cannot commit', () => {
  it('answers 503, never 200, and delivers nothing; recovers once the store commits again', async () => {
    gw = await makeGateway(recordingConfig())
    expect((await gw.post(tencentQuery())).status).toBe(200)
    await until(() => deliveredTo('rec').length === 1)
    // A second connection makes every insert fail inside the store's own commit, as a full
    // disk or a broken file would (file modes cannot do it: tests may run as root).
    const saboteur = new DatabaseSync(join(gw.dir, 'data', 'gateway.db'))
    saboteur.exec("CREATE TRIGGER fail_inserts BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END")
    try {
      const responses = await Promise.all([1, 2, 3].map((i) => gw.post(tencentQuery(), SEED_BODY.replace('tandy-test-rest', `lost-${i}`))))
      for (const response of responses) {
        const body = await expectFail(response, 503, 50301)
        expect(body.ErrorInfo).not.toContain('simulated')
      }
    } finally {
      saboteur.exec('DROP TRIGGER fail_inserts')
      saboteur.close()
    }
    expect((await gw.post(tencentQuery(), SEED_BODY.replace('tandy-test-rest', 'after-recovery'))).status).toBe(200)
    await until(() => deliveredTo('rec').length === 2)
    await new Promise((r) => setTimeout(r, 100))
    expect(deliveredTo('rec').map((e) => e.payload.RoomId)).toEqual(['tandy-test-rest', 'after-recovery'])
    expect(gw.logs.some((line) => line.includes('answered 503'))).toBe(true)
  })
})

describe('health', () => {
  it('serves /healthz and /readyz', async () => {
    gw = await makeGateway(recordingConfig())
    expect((await gw.app.handle(new Request('http://localhost/healthz'))).status).toBe(200)
    expect((await gw.app.handle(new Request('http://localhost/readyz'))).status).toBe(200)
    gw.markDraining()
    expect((await gw.app.handle(new Request('http://localhost/readyz'))).status).toBe(503)
    await gw.close()
    expect((await gw.app.handle(new Request('http://localhost/readyz'))).status).toBe(503)
  })

  it('/readyz answers 503 once the store has failed (an fsync error)', async () => {
    gw = await makeGateway(recordingConfig())
    expect((await gw.app.handle(new Request('http://localhost/readyz'))).status).toBe(200)
    Object.defineProperty(gw.store, 'failed', { get: () => true })
    expect((await gw.app.handle(new Request('http://localhost/readyz'))).status).toBe(503)
  })
})
