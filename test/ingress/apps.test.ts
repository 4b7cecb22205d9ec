/**
 * Several apps, each with its own token (docs/design.md §3 `tencent.apps`): the SdkAppid picks
 * the app, only that app's tokens verify its Sign, routes can be limited to apps, plugins get
 * `event.app`, and metrics and log lines name the app.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { computeSign } from '../../src/tencent/signature.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, RECORDING_PLUGIN, SEED_BODY, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts'

const LIVE = '1400000001'
const CHAT = '1400000002'
const DEV = '1400000003'
const LIVE_TOKEN = 'live-token-1'
const CHAT_TOKEN = 'chat-token-new'
const CHAT_OLD = 'chat-token-old'

const config = (chatTokens = `token: ${CHAT_TOKEN}, tokens: [${CHAT_OLD}]`) => `
tencent:
  apps:
    - { name: live-prod, sdkAppId: ${LIVE}, token: ${LIVE_TOKEN} }
    - { name: chat-prod, sdkAppId: "${CHAT}", ${chatTokens} }
    - { name: dev, sdkAppId: ${DEV} }
store: { path: ./data/gateway.db }
plugins:
  all: { use: ${RECORDING_PLUGIN} }
  chat: { use: ${RECORDING_PLUGIN} }
  live: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: "*", to: [all] }
  - { match: "Live.*", app: chat-prod, to: [chat] }
  - { match: "Live.*", app: [${LIVE}, dev], to: [live] }
`

/** A destroy-room body of its own, so the dedup window does not fold it into an earlier one. */
const room = (id: string) => SEED_BODY.replace('tandy-test-rest', id)

const now = () => Math.floor(Date.now() / 1000)
function signed(appId: string, token: string, requestTime = now()): string {
  return tencentQuery({ Sign: computeSign(token, String(requestTime)), RequestTime: String(requestTime) }, appId)
}

let gw: TestGateway
async function metrics() {
  return parsePrometheus(await (await gw.app.handle(new Request('http://localhost/metrics'))).text())
}
const errorCode = async (response: Response) => ((await response.json()) as { ErrorCode: number }).ErrorCode

beforeAll(async () => {
  gw = await makeGateway(config())
})
afterAll(async () => {
  await gw.close()
})
beforeEach(() => resetRecording())

describe('per-app tokens', () => {
  it("accepts each app's own token, and refuses a Sign made with another app's token (403 signMismatch)", async () => {
    expect((await gw.post(signed(LIVE, LIVE_TOKEN))).status).toBe(200)
    expect((await gw.post(signed(CHAT, CHAT_TOKEN))).status).toBe(200)
    expect((await gw.post(signed(CHAT, CHAT_OLD))).status).toBe(200)
    const wrong = await gw.post(signed(CHAT, LIVE_TOKEN))
    expect(wrong.status).toBe(403)
    expect(await errorCode(wrong)).toBe(40304)
    const other = await gw.post(signed(LIVE, CHAT_OLD))
    expect(other.status).toBe(403)
    expect(await errorCode(other)).toBe(40304)
  })

  it('asks no Sign of an app without a token, and still asks it of the others', async () => {
    expect((await gw.post(tencentQuery({}, DEV))).status).toBe(200)
    const unsigned = await gw.post(tencentQuery({}, LIVE))
    expect(unsigned.status).toBe(403)
    expect(await errorCode(unsigned)).toBe(40303)
    expect(await errorCode(await gw.post(tencentQuery({}, '1400000999')))).toBe(40302)
  })

  it('warns at start about the apps that need no Sign, by name', () => {
    const warning = gw.logs.find((line) => line.includes('Sign/RequestTime are not verified'))
    expect(warning).toContain('tencent.apps without a token (dev)')
    expect(warning).not.toContain('live-prod')
  })
})

describe('routes[].app and event.app', () => {
  it('routes by app name and by SdkAppid, and hands plugins the app name', async () => {
    // One body for all three: each app's callback is its own, not a duplicate of another app's.
    expect((await gw.post(signed(CHAT, CHAT_TOKEN), room('routed'))).status).toBe(200)
    expect((await gw.post(signed(LIVE, LIVE_TOKEN), room('routed'))).status).toBe(200)
    expect((await gw.post(tencentQuery({}, DEV), room('routed'))).status).toBe(200)
    await until(() => deliveredTo('all').length === 3 && deliveredTo('chat').length === 1 && deliveredTo('live').length === 2, 5000, 'deliveries')
    expect(deliveredTo('chat').map((e) => e.sdkAppId)).toEqual([CHAT])
    expect(deliveredTo('live').map((e) => e.app)).toEqual(['live-prod', 'dev'])
    const chat = deliveredTo('all').find((e) => e.sdkAppId === CHAT)!
    expect(chat.app).toBe('chat-prod')
    // docs/design.md §5: app right after sdkAppId.
    expect(Object.keys(chat).slice(0, 4)).toEqual(['id', 'command', 'sdkAppId', 'app'])
  })

  it('names the app in the callback log line', async () => {
    await gw.post(signed(CHAT, LIVE_TOKEN))
    await gw.post(tencentQuery({}, DEV), room('logged'))
    const lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'callback')
    expect(lines.at(-2)).toMatchObject({ level: 'warn', sdkAppId: CHAT, app: 'chat-prod', outcome: 'signMismatch' })
    expect(lines.at(-1)).toMatchObject({ level: 'info', sdkAppId: DEV, app: 'dev', outcome: 'ok' })
  })
})

describe('per-app metrics', () => {
  it('counts callbacks by app, signature failures included; unknown SdkAppids share one label', async () => {
    const before = (await metrics()).get('gateway_callbacks_total')!
    const count = (labels: Record<string, string>) =>
      before.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0)
    const mismatches = count({ app: 'chat-prod', outcome: 'signMismatch' })
    const liveMismatches = count({ app: 'live-prod', outcome: 'signMismatch' })
    await gw.post(signed(CHAT, LIVE_TOKEN))
    await gw.post(signed(CHAT, 'made-up'))
    await gw.post(tencentQuery({}, '1400000777'))
    await gw.post(tencentQuery({}, '1400000778'))
    const families = await metrics()
    const total = families.get('gateway_callbacks_total')!.samples
    const sum = (labels: Record<string, string>) =>
      total.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0)
    expect(sum({ app: 'chat-prod', outcome: 'signMismatch' })).toBe(mismatches + 2)
    expect(sum({ app: 'live-prod', outcome: 'signMismatch' })).toBe(liveMismatches)
    expect(sampleValue(families, 'gateway_callbacks_total', { app: 'unknown', outcome: 'sdkAppIdUnknown' })).toBeGreaterThanOrEqual(2)
    expect(total.some((s) => s.labels.app === '1400000777')).toBe(false)
  })

  it('reports clock skew per app', async () => {
    expect((await gw.post(signed(LIVE, LIVE_TOKEN, now() - 3), room('skew'))).status).toBe(200)
    // Outside the window but genuinely signed: refused, and reported for its own app.
    expect((await gw.post(signed(CHAT, CHAT_TOKEN, now() - 3600))).status).toBe(403)
    const families = await metrics()
    const live = sampleValue(families, 'gateway_clock_skew_seconds', { app: 'live-prod' })!
    const chat = sampleValue(families, 'gateway_clock_skew_seconds', { app: 'chat-prod' })!
    expect(live).toBeGreaterThanOrEqual(2)
    expect(live).toBeLessThanOrEqual(5)
    expect(chat).toBeGreaterThanOrEqual(3599)
    expect(chat).toBeLessThanOrEqual(3602)
  })
})

describe('reload', () => {
  it("swaps an app's tokens: the removed one is refused, the new one accepted, the other apps untouched", async () => {
    const local = await makeGateway(config())
    try {
      expect((await local.post(signed(CHAT, CHAT_OLD))).status).toBe(200)
      writeFileSync(join(local.dir, 'config.yaml'), config('token: chat-token-next'))
      await local.reload(await loadConfig({ path: join(local.dir, 'config.yaml'), env: {} }))
      expect((await local.post(signed(CHAT, CHAT_OLD))).status).toBe(403)
      expect((await local.post(signed(CHAT, CHAT_TOKEN))).status).toBe(403)
      expect((await local.post(signed(CHAT, 'chat-token-next'))).status).toBe(200)
      expect((await local.post(signed(LIVE, LIVE_TOKEN))).status).toBe(200)
    } finally {
      await local.close()
    }
  })
})

describe('the single-token form (tencent.sdkAppId + token)', () => {
  it('signs every listed app with the one token, names no app in events, and labels metrics by SdkAppid', async () => {
    const single = await makeGateway(`
tencent: { sdkAppId: [${LIVE}, ${CHAT}], token: ${LIVE_TOKEN} }
store: { path: ./data/gateway.db }
plugins:
  all: { use: ${RECORDING_PLUGIN} }
  chat: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: "*", to: [all] }
  - { match: "*", app: ${CHAT}, to: [chat] }
`)
    try {
      expect((await single.post(signed(LIVE, LIVE_TOKEN), room('single'))).status).toBe(200)
      expect((await single.post(signed(CHAT, LIVE_TOKEN), room('single'))).status).toBe(200)
      expect((await single.post(signed(CHAT, CHAT_TOKEN))).status).toBe(403)
      await until(() => deliveredTo('all').length === 2 && deliveredTo('chat').length === 1, 5000, 'deliveries')
      expect(deliveredTo('chat')[0]!.sdkAppId).toBe(CHAT)
      expect(deliveredTo('all').every((e) => !('app' in e))).toBe(true)
      const text = await (await single.app.handle(new Request('http://localhost/metrics'))).text()
      const families = parsePrometheus(text)
      expect(sampleValue(families, 'gateway_callbacks_total', { app: CHAT, outcome: 'ok' })).toBe(1)
      expect(sampleValue(families, 'gateway_callbacks_total', { app: CHAT, outcome: 'signMismatch' })).toBe(1)
      expect(sampleValue(families, 'gateway_clock_skew_seconds', { app: LIVE })).toBeDefined()
    } finally {
      await single.close()
    }
  })
})
