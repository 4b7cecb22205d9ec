/**
 * gateway_clock_skew_seconds is an alert on our clock, so only a genuine Sign may move it:
 * a forged request carries whatever RequestTime its sender likes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { computeSign } from '../../src/tencent/signature.ts'
import { makeGateway, recordingConfig, tencentQuery, type TestGateway } from '../helpers/gateway.ts'
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts'

const TOKEN = 'skew-token'
let gw: TestGateway

async function skewGauge(): Promise<number | undefined> {
  const response = await gw.app.handle(new Request('http://localhost/metrics'))
  return sampleValue(parsePrometheus(await response.text()), 'gateway_clock_skew_seconds')
}

const nowSeconds = () => Math.floor(Date.now() / 1000)
const query = (requestTime: string, sign: string) => tencentQuery({ Sign: sign, RequestTime: requestTime })
const signedAt = (requestTime: number, token = TOKEN) => query(String(requestTime), computeSign(token, String(requestTime)))

async function expectRefused(q: string, errorCode: number): Promise<void> {
  const response = await gw.post(q)
  expect(response.status).toBe(403)
  expect((await response.json()).ErrorCode).toBe(errorCode)
}

beforeAll(async () => {
  gw = await makeGateway(recordingConfig({ tencent: `  token: ${TOKEN}` }))
})
afterAll(async () => {
  await gw.close()
})

describe('gateway_clock_skew_seconds', () => {
  it('is not moved by a request whose Sign is wrong, whatever its RequestTime', async () => {
    await expectRefused(query('100', 'f'.repeat(64)), 40305)
    expect(Math.abs((await skewGauge()) ?? 0)).toBeLessThan(60)
    // Inside the window but signed with another token: still not ours to report.
    await expectRefused(signedAt(nowSeconds() - 45, 'not-the-token'), 40304)
    expect(Math.abs((await skewGauge()) ?? 0)).toBeLessThan(40)
    // A RequestTime in the future, from a forger.
    await expectRefused(query(String(nowSeconds() + 100_000), 'f'.repeat(64)), 40305)
    expect(Math.abs((await skewGauge()) ?? 0)).toBeLessThan(60)
  })

  it('is set by a verified callback to its small skew', async () => {
    expect((await gw.post(signedAt(nowSeconds() - 3))).status).toBe(200)
    const skew = (await skewGauge())!
    expect(skew).toBeGreaterThanOrEqual(2)
    expect(skew).toBeLessThanOrEqual(5)
    // A later forgery leaves it where the genuine callback put it.
    await expectRefused(query('100', 'f'.repeat(64)), 40305)
    expect(await skewGauge()).toBe(skew)
  })

  it('reports a genuine Sign outside the window, so the gauge shows the clock drift that makes every callback fail', async () => {
    await expectRefused(signedAt(nowSeconds() - 3600), 40305)
    const skew = (await skewGauge())!
    expect(skew).toBeGreaterThanOrEqual(3599)
    expect(skew).toBeLessThanOrEqual(3602)
  })
})
