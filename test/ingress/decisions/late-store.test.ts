/**
 * Regression (found in review; the text says what was wrong): a decided callback whose store append is later than budget + 25 ms is answered with the
 * fallback, and before.ts says "not stored; nothing is delivered". But the append is only raced,
 * not withdrawn: SQLite's writer keeps the write queued while another process holds the lock
 * (up to busyTimeoutMs, 1 s by default), then commits it with the plugin's decision. So:
 *  - the `to:` plugin gets event.decision = the plugin's allow, while Tencent was told deny;
 *  - a later copy is answered from that record (allow), contradicting the first answer;
 *  - a copy arriving while the first was deciding shares the plugin's answer (allow) while the
 *    first copy itself answers the fallback (deny): two different answers for one callback.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { APP_ID, makeGateway, RECORDING_PLUGIN, REPO, until, type TestGateway } from '../../helpers/gateway.ts'
import { deliveredTo, resetRecording } from '../../fixtures/recording-plugin.ts'

const ODD = join(REPO, 'test/fixtures/odd-decider.ts')
const GIFT = 'Live.CallbackBeforeSendGift'
const ALLOW = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const DENY = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}'

const gateways: TestGateway[] = []
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
  resetRecording()
})

async function start(sleepMs: number): Promise<TestGateway> {
  const gateway = await makeGateway(`
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  check: { use: ${ODD}, options: { mode: slow-allow, sleepMs: ${sleepMs} } }
  rec: { use: ${RECORDING_PLUGIN} }
routes:
  - { match: ${GIFT}, decide: check, budgetMs: 200, onFailure: deny, to: [rec] }
`)
  gateways.push(gateway)
  return gateway
}

const body = JSON.stringify({ RoomId: 'r', Operator_Account: 'u', GiftWater: { From_Account: 'u', To_Account: ['h'], GiftId: 'g', Count: 1, Coins: 1 } })
async function send(gateway: TestGateway) {
  const response = await gateway.post(new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GIFT }).toString(), body)
  return response.text()
}

/** Another process's write lock (a `dlq` command, a sqlite3 shell) held for `ms`. */
function holdLock(gateway: TestGateway, ms: number): Promise<void> {
  const other = new DatabaseSync(join(gateway.dir, 'data', 'gateway.db'))
  other.exec('BEGIN IMMEDIATE')
  return new Promise((resolve) =>
    setTimeout(() => {
      other.exec('ROLLBACK')
      other.close()
      resolve()
    }, ms),
  )
}

describe('a decided callback answered with the fallback because the store was late', () => {
  it('is not later delivered with a decision that contradicts the answer', async () => {
    const gateway = await start(10)
    const released = holdLock(gateway, 500)
    const answer = await send(gateway)
    expect(answer).toBe(DENY) // the fallback: the store did not record within budget + 25 ms
    await released
    await Bun.sleep(800)
    // Expected (docs/before-callbacks.md): nothing is delivered, because nothing was stored.
    const got = deliveredTo('rec').map((e) => e.decision)
    expect(got).toEqual([])
  })

  it('gives a copy that arrives while the first is being decided the same answer as the first', async () => {
    const gateway = await start(50)
    const released = holdLock(gateway, 500)
    // The second copy comes 20 ms later, while the first is still being decided (50 ms).
    const [a, b] = await Promise.all([send(gateway), Bun.sleep(20).then(() => send(gateway))])
    await released
    expect({ a, b }).toEqual({ a: DENY, b: DENY })
  })
})
