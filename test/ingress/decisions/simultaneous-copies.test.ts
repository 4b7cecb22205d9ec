/**
 * Regression (found in review; the text says what was wrong): two copies of a Before callback that arrive together are both decided: the second
 * copy's in-flight check (before.ts `deciding.get(key)`) runs before the first copy has put its
 * promise in the map, because the first copy awaits recallDecision first. With a decider whose
 * answer depends on history (a rate limit, a balance check), the copies get different answers,
 * and the second's append comes back 'duplicate' without its answer being the recorded one.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { APP_ID, makeGateway, RECORDING_PLUGIN, REPO, type TestGateway } from '../../helpers/gateway.ts'
import { resetRecording } from '../../fixtures/recording-plugin.ts'
import { calls } from '../../fixtures/odd-decider.ts'

const ODD = join(REPO, 'test/fixtures/odd-decider.ts')
const GIFT = 'Live.CallbackBeforeSendGift'

const gateways: TestGateway[] = []
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
  resetRecording()
  calls.length = 0
})

const body = JSON.stringify({ RoomId: 'r', Operator_Account: 'u', GiftWater: { From_Account: 'u', To_Account: ['h'], GiftId: 'g', Count: 1, Coins: 1 } })

describe('copies that arrive together', () => {
  it('ask the decider once and get one answer', async () => {
    const gateway = await makeGateway(`
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  check-together: { use: ${ODD}, options: { mode: toggle, sleepMs: 30 } }
  rec: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: ${GIFT}, decide: check-together, budgetMs: 500, onFailure: deny, to: [rec] }
`)
    gateways.push(gateway)
    const query = new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GIFT }).toString()
    const send = () => gateway.post(query, body).then((r) => r.text())
    const [a, b] = await Promise.all([send(), send()])
    expect({ calls: calls.filter((c) => c.startsWith('check-together:')).length, same: a === b }).toEqual({ calls: 1, same: true })
  })
})
