/**
 * The per-callback log line names the SdkAppid that arrived, so a rejection for an unknown
 * one shows which app the console is really configured with; it never carries the Sign or
 * a token.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { computeSign } from '../../src/tencent/signature.ts'
import { APP_ID, makeGateway, recordingConfig, tencentQuery, type TestGateway } from '../helpers/gateway.ts'

const TOKEN = 'callback-token-1234'
let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  gw = undefined
})

function callbackLines(logs: string[]): Array<Record<string, unknown>> {
  return logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'callback')
}

describe('callback log line', () => {
  it('names the SdkAppid of a rejected unknown app and of an accepted one, and never the Sign or token', async () => {
    gw = await makeGateway(recordingConfig({ tencent: `  token: ${TOKEN}` }))
    const requestTime = String(Math.floor(Date.now() / 1000))
    const sign = computeSign(TOKEN, requestTime)
    expect((await gw.post(tencentQuery({ Sign: sign, RequestTime: requestTime }, '1400000999'))).status).toBe(403)
    expect((await gw.post(tencentQuery({ Sign: sign, RequestTime: requestTime }))).status).toBe(200)
    const [rejected, accepted] = callbackLines(gw.logs)
    expect(rejected).toMatchObject({ level: 'warn', outcome: 'sdkAppIdUnknown', sdkAppId: '1400000999' })
    expect(accepted).toMatchObject({ level: 'info', outcome: 'ok', sdkAppId: APP_ID })
    const text = gw.logs.join('\n')
    expect(text).not.toContain(sign)
    expect(text).not.toContain(TOKEN)
  })

  it('cuts a SdkAppid far longer than any real one', async () => {
    gw = await makeGateway(recordingConfig())
    await gw.post(tencentQuery({}, '9'.repeat(5000)))
    const [line] = callbackLines(gw.logs)
    expect(line!.sdkAppId).toBe('9'.repeat(64))
  })
})
