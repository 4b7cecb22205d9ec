/**
 * Regression (found in review; the text says what was wrong): decisions that make the host's renderDecision throw (instead of returning a reason)
 * are not answered with onFailure: the callback gets a 500, and the rejected in-flight promise
 * (before.ts `void decided.finally(...)`) is an unhandled rejection. In a real Bun process that
 * kills the gateway (see crash.e2e.test.ts).
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { APP_ID, makeGateway, RECORDING_PLUGIN, REPO, type TestGateway } from '../../helpers/gateway.ts'
import { resetRecording } from '../../fixtures/recording-plugin.ts'

const ODD = join(REPO, 'test/fixtures/odd-decider.ts')
const GROUP_MSG = 'Group.CallbackBeforeSendMsg'
const OK_ALLOW = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'

const gateways: TestGateway[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)
process.on('unhandledRejection', onUnhandled)
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
  resetRecording()
  unhandled.length = 0
})

async function start(mode: string): Promise<TestGateway> {
  const gateway = await makeGateway(`
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  odd: { use: ${ODD}, options: { mode: ${mode} } }
  rec: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: ${GROUP_MSG}, decide: odd, budgetMs: 300, onFailure: allow, to: [rec] }
`)
  gateways.push(gateway)
  return gateway
}

const message = () =>
  JSON.stringify({
    CallbackCommand: GROUP_MSG,
    GroupId: 'g',
    Type: 'Public',
    From_Account: 'u',
    Random: Math.floor(Math.random() * 2 ** 32),
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
  })

async function ask(gateway: TestGateway) {
  const response = await gateway.post(new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GROUP_MSG }).toString(), message())
  return { status: response.status, body: await response.text() }
}

describe('a garbage decision gets onFailure, never a 500 or a crash', () => {
  for (const mode of ['getter-throws', 'bigint', 'proto-field', 'cycle']) {
    it(`answers onFailure (allow) for a ${mode} decision, with no unhandled rejection`, async () => {
      const gateway = await start(mode)
      const result = await ask(gateway)
      await Bun.sleep(50)
      expect(result).toEqual({ status: 200, body: OK_ALLOW })
      expect(unhandled).toHaveLength(0)
    })
  }
})
