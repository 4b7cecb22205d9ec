/**
 * The README's "Before callbacks" example is real: its plugins and routes, in a gateway on a
 * real SQLite file, answer messages and gifts as the README says.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { APP_ID, makeGateway, REPO, type TestGateway } from '../helpers/gateway.ts'

const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
const section = readme.slice(readme.indexOf('## Before callbacks'), readme.indexOf('\n## ', readme.indexOf('## Before callbacks') + 5))
const example = [...section.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]!).find((block) => block.includes('use: rules'))!

let gateway: TestGateway
afterAll(() => gateway?.close())

async function answer(command: string, payload: Record<string, unknown>): Promise<number> {
  const response = await gateway.post(new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: command }).toString(), JSON.stringify(payload))
  expect(response.status).toBe(200)
  return ((await response.json()) as { ErrorCode: number }).ErrorCode
}
const message = (Text: string) => ({
  GroupId: 'g',
  Type: 'Public',
  From_Account: 'u',
  Random: Math.floor(Math.random() * 2 ** 32),
  MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text } }],
})
const gift = (n: number) => ({ RoomId: 'r', GiftWater: { From_Account: 'fan', To_Account: ['host'], GiftId: 'rose', Count: 1, Coins: 1, Time: n } })

describe("the README's Before-callback example", () => {
  it('moderates messages and limits gifts', async () => {
    expect(example).toBeDefined()
    gateway = await makeGateway(`tencent: { sdkAppId: ${APP_ID} }\nstore: { path: ./data/gateway.db }\n${example}`)
    expect(await answer('Group.CallbackBeforeSendMsg', message('hello there'))).toBe(0)
    expect(await answer('Group.CallbackBeforeSendMsg', message('a SCAM offer'))).toBe(10101)
    expect(await answer('Group.CallbackBeforeSendMsg', message('see https://example.com'))).toBe(2)
    const codes: number[] = []
    for (let i = 0; i < 11; i++) codes.push(await answer('Live.CallbackBeforeSendGift', gift(i)))
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(0))
    expect(codes[10]).toBe(102101)
  })
})
