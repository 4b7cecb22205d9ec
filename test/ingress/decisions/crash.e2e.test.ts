/**
 * Regression (found in review), on Bun and on Deno: an in-house decision service behind
 * http-decide whose Tencent-format answer carries a key named like an Object.prototype member ("constructor", "toString", "__proto__") makes
 * renderDecision throw (spec.fields[name] finds Object.prototype's member, TypeCompiler rejects
 * it). The rejection escapes ask(), `void decided.finally(...)` leaves it unhandled, and Bun prints it
 * as an unhandled error (Bun 1.4.5 keeps this serving process alive; a plain Bun script exits 1).
 * The callback itself got 500 internal instead of the onFailure answer, and Deno, which
 * terminates on an unhandled rejection, lost the whole gateway (the callback got no answer).
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { APP_ID, tempDir } from '../../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../../helpers/process.ts'
import { startSink, type Sink } from '../../helpers/sinks.ts'

const GIFT = 'Live.CallbackBeforeSendGift'
let service: Sink | undefined
let server: ServerProcess | undefined

afterAll(async () => {
  server?.kill('SIGKILL')
  await service?.close()
})

for (const runtime of ['bun', 'deno'] as const) {
  describe(`a real gateway process on ${runtime} answers onFailure for any 200 answer of the decision service`, () => {
    it('answers onFailure for {"ErrorCode":0,"constructor":1}, with no unhandled rejection', async () => {
      server?.kill('SIGKILL')
      await service?.close()
      service = startSink(() => new Response('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"constructor":1}'))
      const dir = tempDir('review-crash-')
      const config = join(dir, 'config.yaml')
      writeFileSync(
        config,
        `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  check: { use: http-decide, options: { url: "${service.url}/decide" } }
routes:
  - { match: ${GIFT}, decide: check, budgetMs: 500, onFailure: deny }
`,
      )
      server = await startServer(config, { runtime })
      const query = new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GIFT }).toString()
      const body = JSON.stringify({ RoomId: 'r', Operator_Account: 'u', GiftWater: { From_Account: 'u', To_Account: ['h'], GiftId: 'g', Count: 1, Coins: 1 } })
      const first = await fetch(`${server.url}?${query}`, { method: 'POST', body }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        (error: Error) => ({ status: 0, body: `no answer: ${error.message.slice(0, 40)}` }),
      )
      const exited = await Promise.race([server.exited.then((code) => `exited with ${code}`), Bun.sleep(2000).then(() => 'alive')])
      const printedUnhandled = /Uncaught \(in promise\)|error: Preflight validation check failed/.test(server.output())
      expect({ first, exited, printedUnhandled }).toEqual({
        first: { status: 200, body: '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}' },
        exited: 'alive',
        printedUnhandled: false,
      })
    })
  })
}
