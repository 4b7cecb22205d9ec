/** Delivery outcomes through the real store and dispatcher, on SQLite and on PostgreSQL: retry, RetryLater, PermanentError, exhaustion, replay. */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { backoffDelay } from '../../src/delivery/backoff.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, recordingConfig, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'
import { describeStore, STORE_KINDS, storeYaml } from '../helpers/stores.ts'

let gw: TestGateway
beforeEach(() => resetRecording())
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 1000 })
})

describe('backoffDelay', () => {
  const retry = { initialDelayMs: 500, maxDelayMs: 10_000 }
  it('grows exponentially under full jitter and is capped', () => {
    expect(backoffDelay(1, retry, () => 1)).toBe(500)
    expect(backoffDelay(3, retry, () => 1)).toBe(2000)
    expect(backoffDelay(30, retry, () => 1)).toBe(10_000)
    expect(backoffDelay(3, retry, () => 0)).toBe(0)
    expect(backoffDelay(3, retry, () => 0.5)).toBe(1000)
  })
})

for (const kind of STORE_KINDS)
  describeStore(kind)(`dispatcher outcomes [${kind}]`, () => {
    const config = (options: Parameters<typeof recordingConfig>[0] = {}) => recordingConfig({ ...options, store: storeYaml(kind, 'outcomes') })

    it('retries plain errors with the attempt number visible, then succeeds', async () => {
      gw = await makeGateway(config({ options: '{ failTimes: 2 }' }))
      expect((await gw.post(tencentQuery())).status).toBe(200)
      const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'))
      expect(event!.attempt).toBe(3)
      expect(await gw.store.listDead()).toEqual([])
    })

    it('dead-letters at once on PermanentError, keeping the error and attempt count', async () => {
      gw = await makeGateway(config({ options: '{ failTimes: 99, failWith: permanent }' }))
      await gw.post(tencentQuery())
      const [dead] = await until(async () => {
        const list = await gw.store.listDead()
        return list.length > 0 && list
      })
      expect(dead).toMatchObject({ plugin: 'rec', attempts: 1, lastError: 'PermanentError: refused attempt 1' })
      expect(deliveredTo('rec')).toEqual([])
    })

    it('dead-letters after maxAttempts, keeping the first and last errors', async () => {
      gw = await makeGateway(config({ options: '{ failTimes: 99 }' }))
      await gw.post(tencentQuery())
      const [dead] = await until(async () => {
        const list = await gw.store.listDead()
        return list.length > 0 && list
      })
      expect(dead).toMatchObject({ attempts: 5, firstError: 'Error: failing attempt 1', lastError: 'Error: failing attempt 5' })
    })

    it('RetryLater sets the next attempt time', async () => {
      gw = await makeGateway(config({ options: '{ failTimes: 1, failWith: later, laterMs: 400 }', retry: '{ initialDelayMs: 1, maxDelayMs: 5000 }' }))
      const sent = Date.now()
      await gw.post(tencentQuery())
      const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'))
      expect(event!.attempt).toBe(2)
      // Backoff from 1 ms would retry at once; only RetryLater explains the gap.
      expect(Date.now() - sent).toBeGreaterThanOrEqual(390)
    })

    it('caps a RetryLater delay at the instance maxDelayMs', async () => {
      gw = await makeGateway(config({ options: '{ failTimes: 1, failWith: later, laterMs: 3600000 }', retry: '{ initialDelayMs: 1, maxDelayMs: 50 }' }))
      await gw.post(tencentQuery())
      const [event] = await until(() => deliveredTo('rec').length > 0 && deliveredTo('rec'), 3000, 'the retry within maxDelayMs')
      expect(event!.attempt).toBe(2)
    })

    it('replays a dead letter, which is then delivered', async () => {
      gw = await makeGateway(config({ options: '{ failTimes: 1, failWith: permanent }' }))
      await gw.post(tencentQuery())
      const [dead] = await until(async () => {
        const list = await gw.store.listDead()
        return list.length > 0 && list
      })
      expect(await gw.store.replayDead({ id: dead!.id })).toBe(1)
      // Picked up by the heartbeat, as a replay from the CLI (another process) would be.
      await until(() => deliveredTo('rec').length > 0, 3000, 'the replayed delivery')
      expect(await gw.store.listDead()).toEqual([])
    })

    it('keeps instances independent: a failing one does not hold up another', async () => {
      const yaml = config({ ids: ['good'] })
        .replace(
          'routes:',
          `  bad:\n    use: ${(await import('../helpers/gateway.ts')).RECORDING_PLUGIN}\n    options: { failTimes: 99, delayMs: 200 }\n    concurrency: 1\nroutes:`,
        )
        .replace('to: [good]', 'to: [bad, good]')
      gw = await makeGateway(yaml)
      for (let i = 0; i < 10; i++)
        await gw.post(
          tencentQuery(),
          JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: `r${i}`, EventType: 'DestroyByUser', EventTime: i }),
        )
      await until(() => deliveredTo('good').length === 10, 3000, 'all ten to the good instance')
      expect(new Set(deliveredTo('good').map((event) => event.payload.RoomId)).size).toBe(10)
      // The failing instance fails every attempt (failTimes 99): it delivered nothing meanwhile.
      expect(deliveredTo('bad')).toEqual([])
    })
  })

describe('dispatcher and a slow store', () => {
  it('gives back claims that land after its lane was retired by a reload', async () => {
    const { Dispatcher } = await import('../../src/delivery/dispatcher.ts')
    const { silentLogger } = await import('../../src/log.ts')
    const claims: Array<(rows: unknown[]) => void> = []
    const released: number[] = []
    const delivered: number[] = []
    const store = {
      onAppended() {},
      onReleased() {},
      claimDue: () => new Promise((resolve) => claims.push(resolve)),
      nextDueAt: async () => undefined,
      release: async (id: number) => void released.push(id),
      complete: async () => {},
    }
    const retry = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 }
    const lane = (name: string) => ({ id: 'a', concurrency: 2, retry, instance: { deliver: async () => void delivered.push(name.length) } })
    const dispatcher = new Dispatcher(store as never, [lane('old')], { logger: silentLogger })
    dispatcher.start()
    await new Promise((r) => setTimeout(r, 10))
    expect(claims).toHaveLength(1) // the old lane waits on its claim
    const replaced = dispatcher.setLanes([lane('replacement')])
    // The old lane's claim lands only now, after the reload retired it.
    claims[0]!([{ id: 7, plugin: 'a', attempts: 0, event: { id: 'e', command: 'X', sdkAppId: '1', receivedAt: 0, body: '{}' } }])
    for (const later of claims.slice(1)) later([])
    await replaced
    await new Promise((r) => setTimeout(r, 20))
    expect(released).toEqual([7])
    expect(delivered).toEqual([])
    await dispatcher.stop(100)
  })
})
