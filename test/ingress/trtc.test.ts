/**
 * The TRTC path (docs/design.md §1, "The TRTC path") through the real app, store and
 * dispatcher: headers SdkAppId and Sign = base64(HMAC-SHA256(key, raw body)), answered
 * {"code":0} once stored, rejections with the main path's FAIL body, and nothing rejected
 * delivered.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { computeTrtcSign } from '../../src/tencent/trtc.ts'
import { trtcSample } from '../../src/tencent/trtc-schemas.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { APP_ID, makeGateway, recordingConfig, until, type TestGateway } from '../helpers/gateway.ts'

const KEY = 'TrtcKey0123456789abcdef'
let gw: TestGateway

const trtcYaml = (extra = '') => recordingConfig({ extra: `trtc:\n  key: ${KEY}\n${extra}` })

function body(command = 'TRTC.Room.EnterRoom', patch: (b: Record<string, any>) => void = () => {}): string {
  const sample = trtcSample(command, 1_615_554_923_704)!
  patch(sample)
  return JSON.stringify(sample)
}

function postTrtc(text: BodyInit, headers: Record<string, string | undefined> = {}, init: RequestInit = {}, path = '/trtc'): Promise<Response> {
  const sign = typeof text === 'string' ? computeTrtcSign(KEY, text) : undefined
  const all: Record<string, string> = {}
  for (const [k, v] of Object.entries({ SdkAppId: APP_ID, Sign: sign, 'content-type': 'application/json', ...headers })) if (v !== undefined) all[k] = v
  return gw.app.handle(new Request(`http://localhost${path}`, { method: 'POST', body: text, headers: all, ...init }))
}

async function expectFail(response: Response, status: number, code: number) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toContain('application/json')
  const answer = await response.json()
  expect(Object.keys(answer)).toEqual(['ActionStatus', 'ErrorInfo', 'ErrorCode'])
  expect(answer.ActionStatus).toBe('FAIL')
  expect(answer.ErrorCode).toBe(code)
  return answer
}

/** One good callback after the bad ones: anything bad delivered would arrive first. */
async function expectOnlyGoodDelivered() {
  const good = await postTrtc(body('TRTC.Room.EnterRoom', (b) => (b.EventInfo.UserId = 'good-user')))
  expect(good.status).toBe(200)
  await until(() => deliveredTo('rec').length >= 1, 3000, 'the good callback')
  await new Promise((r) => setTimeout(r, 100))
  expect(deliveredTo('rec').map((e) => (e.payload.EventInfo as Record<string, unknown>).UserId)).toEqual(['good-user'])
}

beforeEach(() => resetRecording())
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 1000 })
})

describe('a good HMAC', () => {
  it('is stored, answered {"code":0} and delivered as TRTC.Room.EnterRoom with the body as payload', async () => {
    gw = await makeGateway(trtcYaml())
    const text = body()
    const response = await postTrtc(text)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('{"code":0}')
    const [event] = await until(() => deliveredTo('rec').length === 1 && deliveredTo('rec'))
    expect(event!.command).toBe('TRTC.Room.EnterRoom')
    expect(event!.sdkAppId).toBe(APP_ID)
    expect(event!.payload).toEqual(JSON.parse(text))
  })

  it('is checked over the raw bytes: the same JSON with other whitespace is a mismatch', async () => {
    gw = await makeGateway(trtcYaml())
    const text = body()
    const spaced = JSON.stringify(JSON.parse(text), null, 2)
    await expectFail(await postTrtc(spaced, { Sign: computeTrtcSign(KEY, text) }), 403, 40310)
    expect((await postTrtc(spaced)).status).toBe(200)
  })

  it('keeps integers above 2^53 exact and stores an unknown event type as TRTC.Room.Event999', async () => {
    gw = await makeGateway(trtcYaml())
    const text = body('TRTC.Room.EnterRoom', (b) => (b.EventType = 999)).replace('"UniqueId":1615554923704', '"UniqueId":144115216631667826')
    expect((await postTrtc(text)).status).toBe(200)
    const [event] = await until(() => deliveredTo('rec').length === 1 && deliveredTo('rec'))
    expect(event!.command).toBe('TRTC.Room.Event999')
    expect((event!.payload.EventInfo as Record<string, unknown>).UniqueId).toBe('144115216631667826')
  })
})

describe('403: the Sign and the SdkAppId', () => {
  it('refuses a bad HMAC, a missing Sign, a missing or unknown SdkAppId, and delivers none of them', async () => {
    gw = await makeGateway(trtcYaml())
    const text = body()
    await expectFail(await postTrtc(text, { Sign: computeTrtcSign('another-key', text) }), 403, 40310)
    await expectFail(await postTrtc(text, { Sign: 'not base64 at all' }), 403, 40310)
    await expectFail(await postTrtc(text, { Sign: undefined }), 403, 40309)
    await expectFail(await postTrtc(text, { SdkAppId: undefined }), 403, 40308)
    const unknown = await expectFail(await postTrtc(text, { SdkAppId: '1400000999' }), 403, 40302)
    expect(unknown.ErrorInfo).not.toContain(KEY)
    // The HMAC is checked before the body is parsed: a forged non-JSON body is a 403, not a 400.
    await expectFail(await postTrtc('not json', { Sign: computeTrtcSign('x', 'not json') }), 403, 40310)
    await expectOnlyGoodDelivered()
  })

  it('trtc.sdkAppId replaces the tencent apps for the TRTC path', async () => {
    gw = await makeGateway(trtcYaml('  sdkAppId: [1400000777]'))
    await expectFail(await postTrtc(body()), 403, 40302)
    expect((await postTrtc(body(), { SdkAppId: '1400000777' })).status).toBe(200)
    const [event] = await until(() => deliveredTo('rec').length === 1 && deliveredTo('rec'))
    expect(event!.sdkAppId).toBe('1400000777')
  })
})

describe('repeats', () => {
  it('delivers a repeated callback once, also when the retry carries a new CallbackTs', async () => {
    gw = await makeGateway(trtcYaml())
    const text = body()
    const retry = body('TRTC.Room.EnterRoom', (b) => (b.CallbackTs += 10_000))
    for (const t of [text, text, retry]) {
      const response = await postTrtc(t)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe('{"code":0}')
    }
    // Another event of the same user is another callback.
    expect((await postTrtc(body('TRTC.Room.ExitRoom'))).status).toBe(200)
    await until(() => deliveredTo('rec').length === 2)
    await new Promise((r) => setTimeout(r, 150))
    expect(deliveredTo('rec').map((e) => e.command)).toEqual(['TRTC.Room.EnterRoom', 'TRTC.Room.ExitRoom'])
  })
})

describe('routing', () => {
  it('routes by the TRTC. namespace, an exact command and where on EventInfo', async () => {
    gw = await makeGateway(
      recordingConfig({
        ids: ['all', 'enter', 'live', 'room-7'],
        extra: `  - match: "TRTC.*"\n    to: [all]\n  - match: TRTC.Room.EnterRoom\n    to: [enter]\n  - match: "Live.*"\n    to: [live]\n  - match: "TRTC.Media.*"\n    where: { EventInfo.RoomId: 7 }\n    to: [room-7]\ntrtc:\n  key: ${KEY}`,
      }).replace('  - match: "*"\n    to: [all, enter, live, room-7]\n', ''),
    )
    expect((await postTrtc(body('TRTC.Room.EnterRoom'))).status).toBe(200)
    expect((await postTrtc(body('TRTC.Media.StartVideo'))).status).toBe(200)
    expect((await postTrtc(body('TRTC.Media.StopAudio', (b) => (b.EventInfo.RoomId = 7)))).status).toBe(200)
    await until(() => deliveredTo('all').length === 3 && deliveredTo('room-7').length === 1)
    await new Promise((r) => setTimeout(r, 150))
    expect(deliveredTo('all').map((e) => e.command)).toEqual(['TRTC.Room.EnterRoom', 'TRTC.Media.StartVideo', 'TRTC.Media.StopAudio'])
    expect(deliveredTo('enter').map((e) => e.command)).toEqual(['TRTC.Room.EnterRoom'])
    expect(deliveredTo('room-7').map((e) => e.command)).toEqual(['TRTC.Media.StopAudio'])
    expect(deliveredTo('live')).toEqual([])
  })
})

describe('405, 413, 400, 503', () => {
  it('answers 405 with Allow: POST to other methods', async () => {
    gw = await makeGateway(trtcYaml())
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await gw.app.handle(new Request('http://localhost/trtc', { method }))
      await expectFail(response, 405, 40501)
      expect(response.headers.get('allow')).toBe('POST')
    }
  })

  it('answers 413 to a declared or a streamed body over maxBodyBytes', async () => {
    gw = await makeGateway(trtcYaml().replace('tencent:', 'server:\n  maxBodyBytes: 300\ntencent:'))
    const big = body('TRTC.Room.EnterRoom', (b) => (b.EventInfo.Extra = 'x'.repeat(400)))
    await expectFail(await postTrtc(big), 413, 41301)
    const stream = new Blob([big]).stream()
    await expectFail(await postTrtc(stream, { Sign: computeTrtcSign(KEY, big) }, { duplex: 'half' } as RequestInit), 413, 41301)
    await expectOnlyGoodDelivered()
  })

  it('answers 400 to signed bodies that are not JSON, lack the envelope, or mistype a known EventInfo field', async () => {
    gw = await makeGateway(trtcYaml())
    await expectFail(await postTrtc('{"EventGroupId":1,'), 400, 40001)
    await expectFail(await postTrtc('[1]'), 400, 40002)
    const noInfo = await expectFail(await postTrtc(body('TRTC.Room.EnterRoom', (b) => delete b.EventInfo)), 400, 40003)
    expect(noInfo.ErrorInfo).toContain('EventInfo')
    const badType = await expectFail(await postTrtc(body('TRTC.Room.EnterRoom', (b) => (b.EventType = 'enter'))), 400, 40003)
    expect(badType.ErrorInfo).toContain('EventType')
    const user = await expectFail(await postTrtc(body('TRTC.Room.EnterRoom', (b) => (b.EventInfo.UserId = 42))), 400, 40003)
    expect(user.ErrorInfo).toContain('EventInfo.UserId')
    await expectFail(await postTrtc(body('TRTC.Recording.RecorderStart', (b) => delete b.EventInfo.TaskId)), 400, 40003)
    await expectOnlyGoodDelivered()
  })

  it('answers 503 when the store cannot commit, and delivers nothing', async () => {
    gw = await makeGateway(trtcYaml())
    const saboteur = new DatabaseSync(join(gw.dir, 'data', 'gateway.db'))
    saboteur.exec("CREATE TRIGGER fail_inserts BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END")
    try {
      const answer = await expectFail(await postTrtc(body('TRTC.Room.ExitRoom')), 503, 50301)
      expect(answer.ErrorInfo).not.toContain('simulated')
    } finally {
      saboteur.exec('DROP TRIGGER fail_inserts')
      saboteur.close()
    }
    await expectOnlyGoodDelivered()
  })
})

describe('metrics, logs and the key', () => {
  it('counts outcomes per TRTC command and app, logs each callback, and never logs the key', async () => {
    gw = await makeGateway(trtcYaml())
    expect((await postTrtc(body())).status).toBe(200)
    expect((await postTrtc(body('TRTC.Media.StartVideo'), { Sign: computeTrtcSign('wrong', 'x') })).status).toBe(403)
    const text = await (await gw.app.handle(new Request('http://localhost/metrics'))).text()
    expect(text).toContain(`gateway_callbacks_total{command="TRTC.Room.EnterRoom",outcome="ok",app="${APP_ID}"} 1`)
    expect(text).toContain(`gateway_callbacks_total{command="none",outcome="trtcSignMismatch",app="${APP_ID}"} 1`)
    gw.logger.warn('a line that names the key', { key: KEY })
    const logs = gw.logs.join('\n')
    expect(logs).toContain('"command":"TRTC.Room.EnterRoom"')
    expect(logs).toContain('a line that names the key')
    expect(logs).not.toContain(KEY)
  })

  it('serves no TRTC path without a trtc section', async () => {
    gw = await makeGateway(recordingConfig())
    expect((await postTrtc(body())).status).toBe(404)
  })
})
