/**
 * Regression (found in review; the text says what was wrong): http-decide keeps the URL's query out of error text, but not its path, although its
 * own setup comment says "a path or query string may hold a token" (Slack-style
 * /hooks/T000/B000/XXXX URLs) and its header says errors never carry the URL. A service that
 * echoes the request path in an error page puts the path token into the log line and into
 * decision.reason, which is stored and handed to every to: plugin.
 */
import { afterAll, afterEach, describe, expect, it } from 'bun:test'
import { APP_ID, makeGateway, RECORDING_PLUGIN, until, type TestGateway } from '../../test/helpers/gateway.ts'
import { deliveredTo, resetRecording } from '../../test/fixtures/recording-plugin.ts'
import { startSink } from '../../test/helpers/sinks.ts'

const GIFT = 'Live.CallbackBeforeSendGift'
const TOKEN = 'pathTokenS3cr3tXYZ'
const service = startSink((req) => new Response(`no route for POST ${req.path}`, { status: 404 }))
const gateways: TestGateway[] = []
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
  resetRecording()
})
afterAll(() => service.close())

describe('http-decide secrets', () => {
  it('keeps a token in the URL path out of the log and the stored reason', async () => {
    const gateway = await makeGateway(`
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  check: { use: http-decide, options: { url: "${service.url}/hooks/${TOKEN}?key=queryTokenS3cr3t" } }
  rec: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: ${GIFT}, decide: check, budgetMs: 500, to: [rec] }
`)
    gateways.push(gateway)
    const body = JSON.stringify({ RoomId: 'r', Operator_Account: 'u', GiftWater: { From_Account: 'u', To_Account: ['h'], GiftId: 'g', Count: 1, Coins: 1 } })
    const answer = await gateway.post(new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GIFT }).toString(), body).then((r) => r.text())
    expect(answer).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    const [event] = await until(() => (deliveredTo('rec').length ? deliveredTo('rec') : undefined), 3000, 'the delivery')
    const reason = event!.decision!.reason ?? ''
    expect(reason).toContain('404')
    expect(reason).not.toContain('queryTokenS3cr3t') // the query is scrubbed
    expect({ reason: reason.includes(TOKEN), log: gateway.logs.some((l) => l.includes(TOKEN)) }).toEqual({ reason: false, log: false })
  })
})
