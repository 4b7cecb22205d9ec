/**
 * Regression (found in review; the text says what was wrong): a reload that replaces a decide-only instance closes the old one at once
 * (build.ts: `drained.then(() => closePlugins(retiring))`; a decider has no lane, so `drained`
 * is immediate), while decisions it started are still running. Deliveries are drained first;
 * decisions are not, so a decider that releases resources in close() fails its in-flight
 * decisions and they are answered with onFailure.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { APP_ID, makeGateway, REPO, type TestGateway } from '../../helpers/gateway.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { writeConfigFile } from '../../helpers/config.ts'

const ODD = join(REPO, 'test/fixtures/odd-decider.ts')
const GIFT = 'Live.CallbackBeforeSendGift'
const gateways: TestGateway[] = []
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close({ drainTimeoutMs: 100 })
})

const config = (sleepMs: number, store: string) => `
tencent: { sdkAppId: ${APP_ID} }
store: { path: ${store} }
plugins:
  check: { use: ${ODD}, options: { mode: needs-open, sleepMs: ${sleepMs} } }
routes:
  - { match: ${GIFT}, decide: check, budgetMs: 1000, onFailure: deny }
`

describe('reload while a decision is running', () => {
  it('lets the old decider finish the decisions it started', async () => {
    const gateway = await makeGateway(config(200, './data/gateway.db'))
    gateways.push(gateway)
    const body = JSON.stringify({ RoomId: 'r', Operator_Account: 'u', GiftWater: { From_Account: 'u', To_Account: ['h'], GiftId: 'g', Count: 1, Coins: 1 } })
    const pending = gateway.post(new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: GIFT }).toString(), body).then((r) => r.text())
    await Bun.sleep(50)
    const next = await loadConfig({ path: writeConfigFile(config(201, join(gateway.dir, 'data/gateway.db'))), env: {} })
    await gateway.reload(next)
    expect(await pending).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
  })
})
