/** /metrics after a mixed run: the counters match what was sent, and the text parses as Prometheus format. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { computeSign } from '../../src/tencent/signature.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, recordingConfig, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'
import { parsePrometheus, sampleValue, type Family } from '../helpers/prometheus.ts'

const DESTROY = 'Live.CallbackAfterDestroyRoom'
let gw: TestGateway
let families: Map<string, Family>

const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels)

const body = (room: string) => JSON.stringify({ CallbackCommand: DESTROY, RoomId: room, EventType: 'DestroyByUser', EventTime: 1 })
const signed = (token = 'metrics-token') => {
  const t = String(Math.floor(Date.now() / 1000) - 3)
  return tencentQuery({ Sign: computeSign(token, t), RequestTime: t })
}

beforeAll(async () => {
  resetRecording()
  gw = await makeGateway(recordingConfig({ tencent: '  token: metrics-token', options: '{ failTimes: 1 }' }))
  expect((await gw.post(signed(), body('a'))).status).toBe(200)
  expect((await gw.post(signed(), body('b'))).status).toBe(200)
  expect((await gw.post(signed(), body('a'))).status).toBe(200) // duplicate
  expect((await gw.post(signed('wrong-token'), body('c'))).status).toBe(403)
  expect((await gw.post(signed(), '{not json')).status).toBe(400)
  await until(() => deliveredTo('rec').length === 2, 3000, 'both deliveries')
  await until(async () => (await gw.store.stats()).every((s) => s.pending === 0), 3000, 'the queue to settle')
  const response = await gw.app.handle(new Request('http://localhost/metrics'))
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  families = parsePrometheus(await response.text())
})

afterAll(async () => {
  await gw.close()
})

describe('/metrics', () => {
  it('the test parser rejects malformed exposition text', () => {
    expect(() => parsePrometheus('x_total 1\n')).toThrow('sample without a TYPE')
    expect(() => parsePrometheus('# TYPE x counter\nx{a=b} 1\n')).toThrow('bad labels')
    expect(() => parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 1\nh_count 2\n')).toThrow('+Inf')
  })

  it('parses as Prometheus text with typed families', () => {
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]))
    expect(types).toMatchObject({
      gateway_callbacks_total: 'counter',
      gateway_ack_duration_seconds: 'histogram',
      gateway_deliveries_total: 'counter',
      gateway_delivery_duration_seconds: 'histogram',
      gateway_queue_depth: 'gauge',
      gateway_dead_letters: 'gauge',
      gateway_clock_skew_seconds: 'gauge',
    })
  })

  it('counts callbacks by command and outcome', () => {
    expect(value('gateway_callbacks_total', { command: DESTROY, outcome: 'ok' })).toBe(2)
    expect(value('gateway_callbacks_total', { command: DESTROY, outcome: 'duplicate' })).toBe(1)
    expect(value('gateway_callbacks_total', { command: DESTROY, outcome: 'signMismatch' })).toBe(1)
    expect(value('gateway_callbacks_total', { command: DESTROY, outcome: 'invalidJson' })).toBe(1)
  })

  it('counts deliveries by instance and outcome, and times them', () => {
    expect(value('gateway_deliveries_total', { plugin: 'rec', outcome: 'retry' })).toBe(2)
    expect(value('gateway_deliveries_total', { plugin: 'rec', outcome: 'done' })).toBe(2)
    expect(value('gateway_delivery_duration_seconds_count', { plugin: 'rec' })).toBe(4)
  })

  it('has an ack latency histogram over every answer', () => {
    const counts = families.get('gateway_ack_duration_seconds')!.samples.filter((s) => s.name.endsWith('_count'))
    expect(counts.reduce((sum, s) => sum + s.value, 0)).toBe(5)
    expect(value('gateway_ack_duration_seconds_count', { status: '403' })).toBe(1)
  })

  it('reports queue depth and dead letters per instance, and the last clock skew', () => {
    expect(value('gateway_queue_depth', { plugin: 'rec' })).toBe(0)
    expect(value('gateway_dead_letters', { plugin: 'rec' })).toBe(0)
    const skew = value('gateway_clock_skew_seconds')!
    expect(skew).toBeGreaterThanOrEqual(2)
    expect(skew).toBeLessThanOrEqual(5)
  })

  it('labels unknown commands as "other" so callers cannot grow the label set', async () => {
    for (const i of [1, 2, 3]) await gw.post(`SdkAppid=1400000000&CallbackCommand=Made.Up${i}`, '{}')
    families = parsePrometheus(await (await gw.app.handle(new Request('http://localhost/metrics'))).text())
    // 403 (unsigned), all under one label value.
    expect(value('gateway_callbacks_total', { command: 'other', outcome: 'signMissing' })).toBe(3)
    expect(families.get('gateway_callbacks_total')!.samples.some((s) => s.labels.command?.startsWith('Made.'))).toBe(false)
  })
})
