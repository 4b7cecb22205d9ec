/**
 * Regression (found in review; the text says what was wrong): the budget does not bound the host's own work on a decision. A decider that answers
 * just inside the budget with a huge `modify` (here 200,000 MsgBody elements, ~12 MB) keeps the
 * event loop busy in withDigitStrings (a deep copy), the TypeBox check, two JSON.stringify calls
 * and the store append, so the answer goes out far past budget + 50 ms. Tencent caps a message
 * at 12 KB; the host has no cap on the answer (http-decide caps its read at 1 MiB, plugins none).
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { APP_ID, makeGateway, REPO, type TestGateway } from '../../helpers/gateway.ts'

const ODD = join(REPO, 'test/fixtures/odd-decider.ts')
const GROUP_MSG = 'Group.CallbackBeforeSendMsg'
const BUDGET = 300
const gateways: TestGateway[] = []
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
})

describe('the answer goes out by the budget plus a few ms', () => {
  it('even when the decider answers a huge modify just inside the budget', async () => {
    const gateway = await makeGateway(`
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  odd: { use: ${ODD}, options: { mode: huge, sleepMs: ${BUDGET - 100}, elements: 200000 } }
routes:
  - { match: ${GROUP_MSG}, decide: odd, budgetMs: ${BUDGET}, onFailure: allow }
`)
    gateways.push(gateway)
    const body = JSON.stringify({
      CallbackCommand: GROUP_MSG,
      GroupId: 'g',
      From_Account: 'u',
      Random: 1,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
    })
    const started = performance.now()
    const response = await gateway.post(new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GROUP_MSG }).toString(), body)
    const text = await response.text()
    const ms = performance.now() - started
    console.log(`answered in ${ms.toFixed(0)} ms, ${text.length} bytes, starts ${text.slice(0, 60)}`)
    expect(ms).toBeLessThan(BUDGET + 50)
  })
})
