/**
 * Runtime test on Deno (run by `deno test`, part of `npm test`): starts the gateway CLI
 * under Deno as a real process, sends the destroy-room callback as Tencent would (signed),
 * and checks the answer and the file-logger line.
 */
import { assert, assertEquals } from './assert.ts'
import { computeSign } from '../../../src/tencent/signature.ts'
import { computeTrtcSign } from '../../../src/tencent/trtc.ts'

const repo = new URL('../../../', import.meta.url).pathname
const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const BODY =
  '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":144115216631667826,"RoomId":"deno-room","EventType":"DestroyBySystem","EventTime":1703589922780}'

async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<{ match: RegExpExecArray; text: string }> {
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value)
    const match = pattern.exec(text)
    if (match) return { match, text }
  }
  throw new Error(`pattern ${pattern} not seen in output:\n${text}`)
}

/** PostgreSQL for the shared-store run: as in the Bun tests, unreachable fails under CI=true and skips elsewhere. */
const PG_URL = Deno.env.get('GATEWAY_TEST_PG_URL') || 'postgres://postgres@127.0.0.1:5432/test'
async function pgReachable(): Promise<string | undefined> {
  const url = new URL(PG_URL)
  try {
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port || 5432) })
    conn.close()
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}
const pgProblem = await pgReachable()
if (pgProblem && Deno.env.get('CI') === 'true') throw new Error(`PostgreSQL at ${new URL(PG_URL).host} is unreachable and CI=true: ${pgProblem}`)
if (pgProblem) console.warn(`skipping the Deno PostgreSQL test: ${new URL(PG_URL).host} is unreachable (${pgProblem})`)

function pgStoreYaml(): string {
  const url = new URL(PG_URL)
  url.searchParams.set('search_path', `gw_deno_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`)
  return `store: { url: "${url}" }`
}

Deno.test('the gateway serves on Deno: signed destroy-room callback answered OK and logged to file', () => servesOnDeno('store: { path: ./data/gateway.db }'))

Deno.test({
  name: 'the gateway serves on Deno with the PostgreSQL store',
  ignore: pgProblem !== undefined,
  fn: () => servesOnDeno(pgStoreYaml()),
})

async function servesOnDeno(storeYaml: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: 'deno-gateway-' })
  const token = 'deno-test-token'
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    `
server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000, token: ${token} }
${storeYaml}
plugins:
  audit-log:
    use: file-logger
    options: { path: ./logs/callbacks.jsonl }
  gift-limit:
    use: rules
    options:
      rules: [{ if: [{ field: GiftWater.Coins, gt: 100 }], then: { action: deny, errorCode: 102101, errorInfo: too big } }]
routes:
  - { match: Live.CallbackAfterDestroyRoom, to: [audit-log] }
  - { match: Live.CallbackBeforeSendGift, decide: gift-limit, to: [audit-log] }
  - { match: TRTC.*, to: [audit-log] }
trtc: { key: deno-trtc-key }
admin: { port: 0, token: deno-admin-token-0123 }
`,
  )
  const child = new Deno.Command(Deno.execPath(), {
    args: ['run', '-A', `${repo}src/main.ts`, '--config', `${dir}/config.yaml`],
    cwd: repo,
    stdout: 'piped',
    stderr: 'inherit',
  }).spawn()
  const reader = child.stdout.getReader()
  try {
    // The admin console logs its line right after "listening": both are read before anything is sent.
    const { match, text } = await readUntil(
      reader,
      /"msg":"listening".*?"runtime":"(\w+)".*?"url":"http:\/\/[^:]+:(\d+)[\s\S]*"msg":"admin console listening"/,
      20_000,
    )
    assertEquals(match[1], 'deno', text)
    const port = Number(match[2])
    const requestTime = String(Math.floor(Date.now() / 1000))
    const query = new URLSearchParams({
      SdkAppid: '1400000000',
      CallbackCommand: 'Live.CallbackAfterDestroyRoom',
      contenttype: 'json',
      ClientIP: '127.0.0.1',
      OptPlatform: 'RESTAPI',
      Sign: computeSign(token, requestTime),
      RequestTime: requestTime,
    })
    const response = await fetch(`http://127.0.0.1:${port}/callback?${query}`, { method: 'POST', body: BODY })
    assertEquals(response.status, 200)
    assertEquals(await response.text(), OK)

    // A Before callback is decided on Deno too: the rules decider refuses, and the gift is logged with its decision.
    const gift = await fetch(`http://127.0.0.1:${port}/callback?${query.toString().replace('Live.CallbackAfterDestroyRoom', 'Live.CallbackBeforeSendGift')}`, {
      method: 'POST',
      body: '{"RoomId":"deno-room","GiftWater":{"From_Account":"fan","To_Account":["host"],"GiftId":"rose","Count":1,"Coins":500}}',
    })
    assertEquals(await gift.text(), '{"ActionStatus":"OK","ErrorInfo":"too big","ErrorCode":102101}')

    // The TRTC path on Deno: HMAC over the raw body, stored, answered {"code":0}.
    const trtcBody =
      '{"EventGroupId":1,"EventType":103,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"deno-room","EventTs":1700000000,"UserId":"u1","Role":20}}'
    const trtc = await fetch(`http://127.0.0.1:${port}/trtc`, {
      method: 'POST',
      body: trtcBody,
      headers: { SdkAppId: '1400000000', Sign: computeTrtcSign('deno-trtc-key', trtcBody) },
    })
    assertEquals(await trtc.text(), '{"code":0}')

    const unsigned = await fetch(`http://127.0.0.1:${port}/callback?SdkAppid=1400000000`, { method: 'POST', body: BODY })
    assertEquals(unsigned.status, 403)
    await unsigned.body?.cancel()

    let line = ''
    const deadline = Date.now() + 5000
    while (line.split('\n').length < 3 && Date.now() < deadline) {
      try {
        line = (await Deno.readTextFile(`${dir}/logs/callbacks.jsonl`)).trim()
      } catch {
        // not written yet
      }
      if (line.split('\n').length < 3) await new Promise((r) => setTimeout(r, 50))
    }
    assert(line, 'file-logger wrote no line')
    const lines = line.split('\n').map((l) => JSON.parse(l))
    assertEquals(lines.length, 3)
    assertEquals(lines.find((e) => e.command.startsWith('TRTC.'))?.command, 'TRTC.Room.EnterRoom')
    const decided = lines.find((e) => e.command === 'Live.CallbackBeforeSendGift')
    assertEquals(decided.decision.action, 'deny')
    assertEquals(decided.decision.source, 'plugin')
    const event = lines.find((e) => e.command === 'Live.CallbackAfterDestroyRoom')
    assertEquals(event.command, 'Live.CallbackAfterDestroyRoom')
    assertEquals(event.payload.RoomId, 'deno-room')
    // Lossless on Deno too: the big id arrives as its exact digits.
    assertEquals(event.payload.Operator_Account, '144115216631667826')

    // The admin console's API on its own port, on Deno: the event found by its RoomId, its payload exact.
    const adminUrl = /"msg":"admin console listening".*?"url":"(http:\/\/[^"]+)"/.exec(text)![1]!
    const auth = { authorization: 'Bearer deno-admin-token-0123' }
    assertEquals((await (await fetch(`${adminUrl}api/events`)).json()).error, 'send Authorization: Bearer <admin.token>')
    const found = await (await fetch(`${adminUrl}api/events?q=deno-room&command=Live.CallbackAfterDestroyRoom`, { headers: auth })).json()
    assertEquals(found.events.length, 1)
    const shown = await (await fetch(`${adminUrl}api/events/${found.events[0].id}`, { headers: auth })).text()
    assert(shown.includes('"Operator_Account":144115216631667826'), shown)
  } finally {
    child.kill('SIGTERM')
    const status = await child.status
    await reader.cancel().catch(() => {})
    assertEquals(status.code, 0)
    await Deno.remove(dir, { recursive: true })
  }
}
