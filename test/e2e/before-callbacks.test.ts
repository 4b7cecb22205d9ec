/**
 * Before callbacks answered by deciders (docs/design.md §9), end to end: a real gateway
 * process, a real local decision service behind http-decide, a misbehaving in-process decider,
 * and the file logger under `to:` reading event.decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { APP_ID, REPO, tempDir, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'

const DECIDER = join(REPO, 'test/fixtures/decider-plugin.ts')
const GIFT = 'Live.CallbackBeforeSendGift'
const GROUP_MSG = 'Group.CallbackBeforeSendMsg'
const INVITE = 'Group.CallbackBeforeInviteJoinGroup'
const C2C = 'C2C.CallbackBeforeSendMsg'
const BUDGET_MS = 300

/** The in-house service's answers, written in Tencent's own format, by scenario. */
const REWRITE =
  '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"***","Seq":144115216631667826123}}]}'
function answerFor(event: { command: string; payload: Record<string, any> }): string | undefined {
  const p = event.payload
  if (event.command === GIFT) {
    switch (p.GiftWater.GiftId) {
      case 'rose':
        return '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
      case 'castle':
        return '{"ActionStatus":"OK","ErrorInfo":"balance too low","ErrorCode":102101}'
      case 'bad-code':
        return '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":555}'
      case 'bad-field':
        return '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}'
      case 'hang':
        return undefined
    }
  }
  if (event.command === GROUP_MSG) {
    const text = p.MsgBody[0].MsgContent.Text
    if (text === 'spam') return '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":2}'
    if (text === 'rewrite me') return REWRITE
  }
  if (event.command === INVITE) return '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RefusedMembers_Account":["viewer-2"]}'
  return '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
}

let service: Sink
let server: ServerProcess
let dir: string
let config: string
let closedPort: number

function gift(giftId: string, from = 'viewer-1'): string {
  return JSON.stringify({
    CallbackCommand: GIFT,
    Operator_Account: from,
    RoomId: 'room-1',
    GiftWater: { From_Account: from, To_Account: ['host'], Time: 1764583200, GiftId: giftId, Count: 1, Coins: 10 },
  })
}

function groupMessage(text: string): string {
  return JSON.stringify({
    CallbackCommand: GROUP_MSG,
    GroupId: 'room-1',
    Type: 'Live',
    From_Account: 'viewer-1',
    Operator_Account: 'viewer-1',
    Random: Math.floor(Math.random() * 1e9),
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
    EventTime: Date.now(),
  })
}

async function post(command: string, body: string): Promise<{ status: number; text: string; ms: number }> {
  const query = new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: command, contenttype: 'json', ClientIP: '127.0.0.1', OptPlatform: 'iOS' })
  const started = performance.now()
  const response = await fetch(`${server.url}?${query}`, { method: 'POST', body })
  const text = await response.text()
  return { status: response.status, text, ms: performance.now() - started }
}

/** The gateway's log line for the callback whose decision reason or errorCode matches. */
function logLine(test: (line: Record<string, any>) => boolean): Record<string, any> | undefined {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((l) => l.msg === 'callback' && l.action !== undefined && test(l))
}

function audited(): Array<Record<string, any>> {
  const path = join(dir, 'audit.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

const serviceCalls = (giftId: string) => service.requests.filter((r) => r.json().payload.GiftWater?.GiftId === giftId).length

beforeAll(async () => {
  service = startSink(async (request) => {
    const answer = answerFor(request.json())
    if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 5000))
    return new Response(answer ?? '{}', { headers: { 'content-type': 'application/json' } })
  })
  const probe = Bun.serve({ port: 0, fetch: () => new Response() })
  closedPort = probe.port!
  probe.stop(true)
  dir = tempDir('before-e2e-')
  config = join(dir, 'config.yaml')
  writeFileSync(
    config,
    `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  check:
    use: http-decide
    options: { url: "${service.url}/decide" }
  down:
    use: http-decide
    options: { url: "http://127.0.0.1:${closedPort}/decide" }
  thrower:
    use: ${DECIDER}
    options: { mode: throw }
  sleeper:
    use: ${DECIDER}
    options: { mode: sleep }
  audit:
    use: file-logger
    options: { path: ./audit.jsonl }
routes:
  - match: ${GIFT}
    where: { GiftWater.GiftId: throw }
    decide: thrower
  - match: ${GIFT}
    where: { GiftWater.GiftId: sleep }
    decide: sleeper
    budgetMs: ${BUDGET_MS}
    onFailure: allow
  - match: ${GIFT}
    where: { GiftWater.GiftId: down }
    decide: down
  - match: ${GIFT}
    decide: check
    budgetMs: ${BUDGET_MS}
    onFailure: deny
    to: [audit]
  - match: ${GROUP_MSG}
    decide: check
    to: [audit]
  - match: ${INVITE}
    decide: check
  - match: ${C2C}
    to: [audit]
`,
  )
  server = await startServer(config)
})

afterAll(async () => {
  server?.kill('SIGKILL')
  await service?.close()
})

describe('Before callbacks through a real gateway process', () => {
  it('allows a gift the service allows, with the exact OK body', async () => {
    const answer = await post(GIFT, gift('rose'))
    expect(answer.status).toBe(200)
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
  })

  it('denies a gift with the pass-through code and ErrorInfo the service gave', async () => {
    const answer = await post(GIFT, gift('castle'))
    expect(answer.status).toBe(200)
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"balance too low","ErrorCode":102101}')
  })

  it('drops a group message (ErrorCode 2)', async () => {
    const answer = await post(GROUP_MSG, groupMessage('spam'))
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":2}')
  })

  it('relays a rewritten MsgBody exactly, big integers included', async () => {
    const answer = await post(GROUP_MSG, groupMessage('rewrite me'))
    expect(answer.text).toBe(REWRITE)
  })

  it('refuses one invited member with RefusedMembers_Account', async () => {
    const body = JSON.stringify({
      CallbackCommand: INVITE,
      GroupId: 'g1',
      Type: 'Public',
      Operator_Account: 'host',
      DestinationMembers: [{ Member_Account: 'viewer-1' }, { Member_Account: 'viewer-2' }],
      EventTime: Date.now(),
    })
    const answer = await post(INVITE, body)
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RefusedMembers_Account":["viewer-2"]}')
  })

  it('answers onFailure within the budget when the service hangs', async () => {
    const answer = await post(GIFT, gift('hang'))
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    // It did wait for the decider, and the gateway's own clock says it answered in time.
    expect(answer.ms).toBeGreaterThanOrEqual(BUDGET_MS - 5)
    const line = await until(() => logLine((l) => /did not answer within/.test(l.reason ?? '')), 2000, 'the overrun log line')
    expect(line.overrun).toBe(true)
    expect(line.source).toBe('fallback')
    expect(line.ms).toBeLessThanOrEqual(BUDGET_MS + 50)
  })

  it('answers onFailure when a decider sleeps past its budget, ignoring the signal', async () => {
    const answer = await post(GIFT, gift('sleep'))
    // This route's onFailure is allow.
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
    const line = await until(() => logLine((l) => l.decider === 'sleeper'), 2000, 'the sleeper log line')
    expect(line.ms).toBeLessThanOrEqual(BUDGET_MS + 50)
    expect(line.reason).toContain(`within ${BUDGET_MS} ms`)
  })

  it('answers the gift default (deny) when the decider throws, and logs why', async () => {
    const answer = await post(GIFT, gift('throw'))
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    const line = await until(() => logLine((l) => l.decider === 'thrower'), 2000, 'the thrower log line')
    expect(line.reason).toContain('decider exploded')
    expect(line.level).toBe('warn')
  })

  it('answers onFailure for an invalid decision: a code outside the range, a field the command lacks', async () => {
    expect((await post(GIFT, gift('bad-code'))).text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    expect((await post(GIFT, gift('bad-field'))).text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    const code = await until(() => logLine((l) => /555/.test(l.reason ?? '')), 2000, 'the bad-code line')
    expect(code.reason).toContain('[102100, 102200]')
    const field = await until(() => logLine((l) => /no field MsgBody/.test(l.reason ?? '')), 2000, 'the bad-field line')
    expect(field.source).toBe('fallback')
  })

  it('answers the command default when the decision service is down', async () => {
    const answer = await post(GIFT, gift('down'))
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    const line = await until(() => logLine((l) => l.decider === 'down'), 2000, 'the down line')
    expect(line.source).toBe('fallback')
  })

  it('answers a Before command with no decider with its onFailure (messages: allow)', async () => {
    const body = JSON.stringify({
      CallbackCommand: C2C,
      From_Account: 'a',
      To_Account: 'b',
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello' } }],
    })
    const answer = await post(C2C, body)
    expect(answer.text).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
    const record = await until(() => audited().find((e) => e.command === C2C), 5000, 'the C2C audit line')
    expect(record.decision).toMatchObject({ action: 'allow', errorCode: 0, source: 'fallback' })
  })

  it('hands the decision to to: plugins as event.decision', async () => {
    const record = await until(() => audited().find((e) => e.payload.GiftWater?.GiftId === 'castle'), 5000, 'the castle audit line')
    expect(record.decision).toMatchObject({ action: 'deny', errorCode: 102101, errorInfo: 'balance too low', source: 'plugin', decider: 'check' })
    expect(typeof record.decision.ms).toBe('number')
    const rewritten = await until(() => audited().find((e) => e.payload.MsgBody?.[0]?.MsgContent?.Text === 'rewrite me'), 5000, 'the rewrite audit line')
    expect(rewritten.decision.action).toBe('modify')
    expect(rewritten.decision.fields.MsgBody[0].MsgContent.Seq).toBe('144115216631667826123')
  })

  it("warns at start that Bun's fetch limit caps deciders, unless BUN_CONFIG_MAX_HTTP_REQUESTS raised it", async () => {
    expect(server.output()).toContain('lets fetch keep only 256 requests open')
    // Its own store: one serving process per SQLite file.
    const other = join(dir, 'raised.yaml')
    writeFileSync(other, readFileSync(config, 'utf8').replace('./data/gateway.db', './data/raised.db'))
    const raised = await startServer(other, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: '4096' } })
    try {
      expect(raised.output()).toContain('"msg":"listening"')
      expect(raised.output()).not.toContain('lets fetch keep only')
    } finally {
      raised.kill('SIGKILL')
      await raised.exited
    }
  })

  it('answers a duplicate from the record without asking the service, also after a SIGKILL and restart', async () => {
    const body = gift('castle', 'viewer-9')
    const first = await post(GIFT, body)
    expect(first.text).toBe('{"ActionStatus":"OK","ErrorInfo":"balance too low","ErrorCode":102101}')
    const calls = service.requests.length
    const again = await post(GIFT, body)
    expect(again.text).toBe(first.text)
    expect(service.requests.length).toBe(calls)

    server.kill('SIGKILL')
    await server.exited
    server = await startServer(config)
    const afterRestart = await post(GIFT, body)
    expect(afterRestart.text).toBe(first.text)
    expect(service.requests.length).toBe(calls)
    expect(serviceCalls('castle')).toBe(2)
  })
})
