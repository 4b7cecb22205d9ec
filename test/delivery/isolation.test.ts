/**
 * Per-instance isolation and outages, through the real app, store, dispatcher and
 * http-sync plugin against real local servers.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { makeGateway, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'
import { describeStore, STORE_KINDS, storeYaml, type StoreKind } from '../helpers/stores.ts'

let gw: TestGateway | undefined
const sinks: Sink[] = []
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 200 })
  gw = undefined
  for (const s of sinks.splice(0)) await s.close()
})

const body = (i: number) => JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: `room-${i}`, EventType: 'DestroyByUser', EventTime: i })

function configFor(kind: StoreKind, instances: Record<string, string>, retry = '{ maxAttempts: 30, initialDelayMs: 20, maxDelayMs: 200 }'): string {
  return `tencent: { sdkAppId: 1400000000 }
${storeYaml(kind, 'isolation')}
plugins:
${Object.entries(instances)
  .map(([id, url]) => `  ${id}:\n    use: http-sync\n    options: { url: "${url}", timeoutMs: 30000 }\n    retry: ${retry}`)
  .join('\n')}
routes: [{ match: "*", to: [${Object.keys(instances).join(', ')}] }]
`
}

for (const kind of STORE_KINDS) {
  const config = (instances: Record<string, string>, retry?: string) => configFor(kind, instances, retry)
  describeStore(kind)(`isolation [${kind}]`, () => {
    it('a sink that never answers does not slow the other sink or the answers', async () => {
      const hanging = startSink(() => new Promise<Response>(() => {}))
      const fast = startSink()
      sinks.push(hanging, fast)
      gw = await makeGateway(config({ stuck: hanging.url, quick: fast.url }))
      const N = 200
      const started = performance.now()
      const latencies: number[] = []
      const answers = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const t = performance.now()
          const response = await gw!.post(tencentQuery(), body(i))
          latencies.push(performance.now() - t)
          return response.status
        }),
      )
      expect(answers.every((s) => s === 200)).toBe(true)
      await fast.waitFor(N, 10_000)
      const elapsed = performance.now() - started
      // The stuck instance fills all its slots (its timeout is 30 s) and no more; the fast one got
      // everything meanwhile. (While callbacks pour in, lanes run one slot; the rest fill after.)
      await hanging.waitFor(4, 5000)
      await new Promise((r) => setTimeout(r, 300))
      expect(hanging.requests.length).toBe(4)
      expect(new Set(fast.requests.map((r) => r.json().payload.RoomId)).size).toBe(N)
      latencies.sort((a, b) => a - b)
      // Not a speed target: an answer that waited for the hung sink would take its 30 s timeout.
      expect(latencies.at(-1)!).toBeLessThan(30_000)
      console.log(
        `isolation: ${N} acks with one sink hung, p50 ${latencies[N / 2]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; fast sink had all ${N} after ${elapsed.toFixed(0)} ms`,
      )
    })
  })

  describeStore(kind)(`outage [${kind}]`, () => {
    it('a sink refusing connections for a while gets everything once it is back, with no dead letters', async () => {
      const probe = startSink()
      const port = probe.port
      await probe.close() // now connections to `port` are refused
      gw = await makeGateway(config({ crm: `http://127.0.0.1:${port}/sync` }))
      const N = 50
      for (let i = 0; i < N; i++) expect((await gw.post(tencentQuery(), body(i))).status).toBe(200)
      await until(
        async () => (await gw!.store.stats())[0]?.pending === N && gw!.logs.filter((l) => l.includes('will retry')).length >= 8,
        5000,
        'failed attempts',
      )
      expect(gw.logs.some((l) => l.includes('ECONNREFUSED') || l.includes('ConnectionRefused'))).toBe(true)

      const back = startSink(undefined, port)
      sinks.push(back)
      await until(() => new Set(back.requests.map((r) => r.json().payload.RoomId)).size === N, 10_000, 'every event after the outage')
      expect(await gw.store.listDead()).toEqual([])
      await until(async () => (await gw!.store.stats()).every((s) => s.pending === 0), 3000, 'the queue to empty')
    })
  })
}
