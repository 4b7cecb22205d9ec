/**
 * The Before step in process (docs/design.md §9): a real gateway on a real SQLite file, with the
 * test decider. End-to-end cases with a real process are in test/e2e/before-callbacks.test.ts.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts'
import { APP_ID, makeGateway, RECORDING_PLUGIN, REPO, until, type TestGateway } from '../helpers/gateway.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { loadConfig } from '../../src/config/load.ts'
import { buildGateway } from '../../src/gateway/build.ts'
import { writeConfigFile } from '../helpers/config.ts'

const DECIDER = join(REPO, 'test/fixtures/decider-plugin.ts')
const GIFT = 'Live.CallbackBeforeSendGift'

const gateways: TestGateway[] = []
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
  resetRecording()
})

function config(decider: string, extra = ''): string {
  return `
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  check:
    use: ${DECIDER}
    options: ${decider}
  rec:
    use: ${RECORDING_PLUGIN}
routes:
  - match: ${GIFT}
    decide: check
    budgetMs: 200
    to: [rec]
${extra}`
}

async function start(decider: string, extra = ''): Promise<TestGateway> {
  const gateway = await makeGateway(config(decider, extra))
  gateways.push(gateway)
  return gateway
}

const giftBody = (giftId = 'rose', from = 'u1') =>
  JSON.stringify({ RoomId: 'r1', Operator_Account: from, GiftWater: { From_Account: from, To_Account: ['h'], GiftId: giftId, Count: 1, Coins: 5 } })
const giftQuery = () => new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GIFT }).toString()

async function answer(gateway: TestGateway, body = giftBody()): Promise<{ status: number; body: string }> {
  const response = await gateway.post(giftQuery(), body)
  return { status: response.status, body: await response.text() }
}

describe('Before callbacks in process', () => {
  it('answers the fallback and delivers nothing when the store cannot record the decision', async () => {
    const gateway = await start(`{ mode: answer, decision: { action: allow } }`)
    rmSync(join(gateway.dir, 'data', 'gateway.db'))
    await until(() => gateway.store.failed, 3000, 'the store to notice its file is gone')
    const result = await answer(gateway)
    // A gift fails closed: the store's failure is answered like Tencent's own no-answer.
    expect(result).toEqual({ status: 200, body: '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}' })
    expect(gateway.logs.some((l) => l.includes('decided callback not stored'))).toBe(true)
    await Bun.sleep(300)
    expect(deliveredTo('rec')).toHaveLength(0)
  })

  it('answers a garbage decision with onFailure and records why', async () => {
    const gateway = await start(`{ mode: garbage }`)
    expect((await answer(gateway)).body).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    const [event] = await until(() => (deliveredTo('rec').length ? deliveredTo('rec') : undefined), 3000, 'the delivery')
    expect(event!.decision).toMatchObject({ action: 'deny', errorCode: 1, source: 'fallback', decider: 'check' })
    expect(event!.decision!.reason).toContain('not an object')
  })

  it('counts decisions, their latency and overruns in /metrics', async () => {
    const gateway = await start(`{ mode: sleep, sleepMs: 5000 }`)
    await answer(gateway)
    const text = await (await gateway.app.handle(new Request('http://localhost/metrics'))).text()
    const metrics = parsePrometheus(text)
    expect(sampleValue(metrics, 'gateway_decisions_total', { command: GIFT, action: 'deny', source: 'fallback' })).toBe(1)
    expect(sampleValue(metrics, 'gateway_decision_budget_overruns_total', { command: GIFT })).toBe(1)
    expect(sampleValue(metrics, 'gateway_decision_duration_seconds_count', { command: GIFT })).toBe(1)
  })

  it('asks the decider once for copies that arrive while the first is still being decided', async () => {
    const gateway = await start(`{ mode: sleep, sleepMs: 100 }`, `  - { match: Group.CallbackBeforeSendMsg, to: [rec] }`)
    const [a, b] = await Promise.all([answer(gateway), answer(gateway)])
    expect(b).toEqual(a)
    const lines = gateway.logs.filter((l) => l.includes(`"command":"${GIFT}"`) && l.includes('"msg":"callback"'))
    expect(lines).toHaveLength(2)
    expect(lines.filter((l) => l.includes('"outcome":"duplicate"'))).toHaveLength(1)
  })

  it('refuses to start when a to: instance cannot deliver or a decide: instance cannot decide', async () => {
    const path = writeConfigFile(`
tencent: { sdkAppId: ${APP_ID} }
store: { path: ':memory:' }
plugins:
  check: { use: ${DECIDER}, options: { mode: answer } }
  rec: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: ${GIFT}, decide: rec, to: [check] }
`)
    const loaded = await loadConfig({ path, env: {} })
    const error = await buildGateway(loaded, { write: () => {} }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toContain('routes[0].to: plugin instance "check"')
    expect(error?.message).toContain('routes[0].decide: plugin instance "rec"')
  })

  it('swaps the decider on reload', async () => {
    const gateway = await start(`{ mode: answer, decision: { action: allow } }`)
    expect((await answer(gateway, giftBody('a'))).body).toContain('"ErrorCode":0')
    const next = await loadConfig({
      path: writeConfigFile(
        config(`{ mode: answer, decision: { action: deny, errorCode: 102110 } }`).replace('./data/gateway.db', join(gateway.dir, 'data/gateway.db')),
      ),
      env: {},
    })
    await gateway.reload(next)
    expect((await answer(gateway, giftBody('b'))).body).toContain('"ErrorCode":102110')
  })
})
