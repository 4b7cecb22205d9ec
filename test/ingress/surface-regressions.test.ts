/**
 * Regressions found in the review of issue 14 (registry, several apps, TRTC). Each test states what the contract
 * promises; each failed before its fix. Real gateways (real SQLite files, real plugins).
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { computeSign } from '../../src/tencent/signature.ts'
import { computeTrtcSign } from '../../src/tencent/trtc.ts'
import { trtcSample } from '../../src/tencent/trtc-schemas.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { APP_ID, makeGateway, RECORDING_PLUGIN, tempDir, until, type TestGateway } from '../helpers/gateway.ts'

const KEY = 'TrtcKey0123456789abcdef'
const TOKEN = 'chat-token-1234'
let gw: TestGateway | undefined

beforeEach(() => resetRecording())
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 1000 })
  gw = undefined
})

const rec = (routes: string, tencent = `sdkAppId: ${APP_ID}`, extra = '') => `
tencent:
  ${tencent}
store:
  path: ./data/gateway.db
${extra}
plugins:
  rec:
    use: ${RECORDING_PLUGIN}
    options: {}
    retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 }
routes:
${routes}
`

function signedQuery(command: string, token?: string, appId = APP_ID): string {
  const params: Record<string, string> = { SdkAppid: appId, CallbackCommand: command, contenttype: 'json', ClientIP: '127.0.0.1', OptPlatform: 'RESTAPI' }
  if (token) {
    const now = String(Math.floor(Date.now() / 1000))
    params.Sign = computeSign(token, now)
    params.RequestTime = now
  }
  return new URLSearchParams(params).toString()
}

function postTrtc(text: string, appId = APP_ID): Promise<Response> {
  return gw!.app.handle(
    new Request('http://localhost/trtc', {
      method: 'POST',
      body: text,
      headers: { SdkAppId: appId, Sign: computeTrtcSign(KEY, text), 'content-type': 'application/json' },
    }),
  )
}

describe('registry: payloads as the pages send them', () => {
  it('Group.CallbackOnMemberStateChange exactly as page 48734 samples it (no Type, no EventTime) is 200 and delivered', async () => {
    gw = await makeGateway(rec('  - match: "*"\n    to: [rec]'))
    // https://www.tencentcloud.com/document/product/1047/48734, comments removed. The field
    // table lists CallbackCommand, GroupId, EventType, EventCause, MemberList: no Type.
    const body = JSON.stringify({
      CallbackCommand: 'Group.CallbackOnMemberStateChange',
      GroupId: '@TGS#2J4SZEAEL',
      EventType: 'Offline',
      MemberList: [{ Member_Account: 'jared' }, { Member_Account: 'tommy' }],
    })
    const response = await gw.post(signedQuery('Group.CallbackOnMemberStateChange'), body)
    const text = await response.text()
    expect({ status: response.status, text }).toEqual({ status: 200, text: '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}' })
    await until(() => deliveredTo('rec').length === 1, 3000, 'delivery')
  })
})

describe('TRTC namespace and the main path', () => {
  const yaml = rec('  - match: "TRTC.*"\n    to: [rec]', `sdkAppId: ${APP_ID}\n  token: ${TOKEN}`, `trtc:\n  key: ${KEY}`)

  it('a Chat/Live-signed callback on /callback cannot pose as a TRTC event (TRTC.* routes need the TRTC HMAC)', async () => {
    gw = await makeGateway(yaml)
    // Signed with the Chat token, not the TRTC key: the TRTC namespace is the gateway's own
    // name for HMAC-verified events from /trtc; Tencent never sends it to the callback URL.
    const forged = JSON.stringify({ RoomId: 12345, EventTs: 1, UserId: 'mallory' })
    const response = await gw.post(signedQuery('TRTC.Room.EnterRoom', TOKEN), forged)
    expect(response.status).not.toBe(200)
    await new Promise((r) => setTimeout(r, 300))
    expect(deliveredTo('rec').map((e) => e.command)).toEqual([])
  })

  it('a main-path callback does not swallow a genuine TRTC callback as its duplicate', async () => {
    gw = await makeGateway(yaml)
    const genuine = trtcSample('TRTC.Room.EnterRoom', 1_615_554_923_704)!
    // The main path keys the whole body, the TRTC path only EventInfo: the same bytes, the same key.
    const first = await gw.post(signedQuery('TRTC.Room.EnterRoom', TOKEN), JSON.stringify(genuine.EventInfo))
    const second = await postTrtc(JSON.stringify(genuine))
    expect(second.status).toBe(200)
    await until(() => deliveredTo('rec').length >= 1, 3000, 'a delivery')
    await new Promise((r) => setTimeout(r, 300))
    // The TRTC one (with the envelope) must be among the deliveries.
    const envelopes = deliveredTo('rec').filter((e) => 'EventInfo' in e.payload)
    expect({ firstStatus: first.status, trtcDelivered: envelopes.length }).toEqual({ firstStatus: first.status, trtcDelivered: 1 })
  })
})

describe('routes[].app and the TRTC path', () => {
  it('a route can name an SdkAppid that only trtc.sdkAppId accepts', async () => {
    const dir = tempDir('review14-')
    const path = join(dir, 'config.yaml')
    writeFileSync(path, rec('  - match: "TRTC.*"\n    app: 1400000777\n    to: [rec]', `sdkAppId: ${APP_ID}`, `trtc:\n  key: ${KEY}\n  sdkAppId: [1400000777]`))
    let error: unknown
    try {
      await loadConfig({ path, env: {} })
    } catch (e) {
      error = e
    }
    expect(String(error ?? 'no error')).toBe('no error')
  })
})
