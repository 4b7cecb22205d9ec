import { describe, it, expect } from 'bun:test'
import { createServer, type Server } from 'node:http'
import type { PluginDefinition } from '../../src/plugin.ts'
import { createVerifier } from '../../src/plugin-http.ts'
import { cleanupAfterEach, failure, setupPlugin, sampleEvent, type HarnessResult } from '../../test/helpers/plugin-harness.ts'
import { startSink, type Sink } from '../../test/helpers/sinks.ts'
import httpSync from '../http-sync/index.ts'
import httpDecide from './index.ts'

const TOKEN = 'Bearer sekrit-token-123'
const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const cleanups = cleanupAfterEach()

/** A decision service that answers every request with `body` (200 unless told), or as `respond` says. */
function service(body: string | Sink['respond'], status = 200): Sink {
  const respond = typeof body === 'string' ? () => new Response(body, { status, headers: { 'content-type': 'application/json' } }) : body
  const started = startSink(respond)
  cleanups.push(() => started.close())
  return started
}

/** A service that accepts requests and never answers them. */
const hangingService = () => `${service(() => new Promise<Response>(() => {})).url}/decide`

async function start(options: Record<string, unknown>, definition: PluginDefinition = httpDecide): Promise<HarnessResult> {
  // Unredacted logs: the plugin itself must keep secrets out, not only the gateway's redaction.
  const harness = await setupPlugin(definition, options, { redact: false })
  cleanups.push(() => harness.remove())
  return harness
}

function giftEvent() {
  return sampleEvent({
    command: 'Live.CallbackBeforeSendGift',
    payload: {
      CallbackCommand: 'Live.CallbackBeforeSendGift',
      Operator_Account: 'viewer-1',
      RoomId: 'room-1',
      GiftWater: { From_Account: 'viewer-1', To_Account: ['host-1'], Time: 1703589922, GiftId: 'rocket', Count: 1, Coins: 500 },
    },
  })
}

async function decideWith(answer: string, status = 200) {
  const target = service(answer, status)
  const { instance } = await start({ url: `${target.url}/decide` })
  return instance.decide(giftEvent())
}

describe('http-decide answers', () => {
  it('allows on ErrorCode 0 with nothing else', async () => {
    expect(await decideWith(OK)).toEqual({ action: 'allow' })
  })

  it('denies with a pass-through code and relays ErrorInfo', async () => {
    const decision = await decideWith('{"ActionStatus":"OK","ErrorInfo":"not enough coins","ErrorCode":102101}')

    expect(decision).toEqual({ action: 'deny', errorCode: 102101, errorInfo: 'not enough coins' })
  })

  it('denies with ErrorCode 1', async () => {
    expect(await decideWith('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')).toEqual({ action: 'deny', errorCode: 1 })
  })

  it('drops on ErrorCode 2', async () => {
    expect(await decideWith('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":2}')).toEqual({ action: 'drop' })
  })

  it('modifies with the extra fields in the service order, big integers relayed exactly', async () => {
    // 144115216631667826 is above 2^53: a plain JSON.parse would make it ...7800.
    const fields =
      '{"CloudCustomData":"{\\"rewritten\\":true}","MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"hi","Ext":"x","Seq":144115216631667826,"Small":42}}]}'
    const decision = await decideWith(`{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,${fields.slice(1)}`)

    expect(decision.action).toBe('modify')
    expect(Object.keys(decision.fields!)).toEqual(['CloudCustomData', 'MsgBody'])
    expect(JSON.stringify(decision.fields)).toBe(fields)
  })

  it('relays RefusedMembers_Account as a field', async () => {
    const decision = await decideWith('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RefusedMembers_Account":["u2"]}')

    expect(decision).toEqual({ action: 'modify', fields: { RefusedMembers_Account: ['u2'] } })
  })
})

describe('http-decide requests', () => {
  it('sends what http-sync sends: the event as JSON, the same headers and signature', async () => {
    const target = service(OK)
    const options = { url: `${target.url}/decide`, headers: { Authorization: TOKEN, 'X-Team': 'live' }, secret: 'shared-secret' }
    const decider = await start(options)
    const syncer = await start(options, httpSync)
    const event = giftEvent()

    await decider.instance.decide(event)
    await syncer.instance.deliver(event)

    const [decided, synced] = target.requests
    expect(decided.method).toBe('POST')
    expect(decided.path).toBe('/decide')
    expect(decided.body).toBe(JSON.stringify(event))
    expect(decided.headers['idempotency-key']).toBe(event.id)
    expect(decided.headers['x-gateway-event-id']).toBe(event.id)
    expect(decided.headers.authorization).toBe(TOKEN)
    const verify = await createVerifier('shared-secret')
    expect(await verify(new TextEncoder().encode(decided.body), decided.headers['x-gateway-signature'])).toBe(true)
    expect(await verify(new TextEncoder().encode(`${decided.body} `), decided.headers['x-gateway-signature'])).toBe(false)
    expect({ method: decided.method, path: decided.path, body: decided.body, headers: decided.headers }).toEqual({
      method: synced.method,
      path: synced.path,
      body: synced.body,
      headers: synced.headers,
    })
  })

  it('reuses one keep-alive connection for calls in a row', async () => {
    let connections = 0
    const server: Server = createServer((_request, response) => response.setHeader('content-type', 'application/json').end(OK))
    server.on('connection', () => connections++)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve).closeAllConnections()))
    const { port } = server.address() as { port: number }
    const { instance } = await start({ url: `http://127.0.0.1:${port}/decide` })

    for (let i = 0; i < 3; i++) expect(await instance.decide(giftEvent())).toEqual({ action: 'allow' })

    expect(connections).toBe(1)
  })

  it('logs the origin only at setup, and nothing per call at info', async () => {
    const target = service(OK)
    const harness = await start({ url: `${target.url}/decide/path-token?key=query-token-789`, headers: { Authorization: TOKEN } })

    await harness.instance.decide(giftEvent())

    const lines = harness.logLines.map((line) => JSON.parse(line))
    expect(lines.filter((line) => line.level === 'info').map((line) => line.msg)).toEqual(['http-decide ready'])
    expect(lines[0]).toMatchObject({ target: target.url, headerNames: ['Authorization'], signed: false })
    const text = harness.logLines.join('\n')
    for (const secret of ['path-token', 'query-token-789', 'sekrit-token-123']) expect(text).not.toContain(secret)
  })
})

describe('http-decide failures', () => {
  it('rejects within the budget when the service hangs', async () => {
    const { instance } = await start({ url: hangingService() })
    const started = performance.now()

    const error = await failure(instance.decide(giftEvent(), { budgetMs: 200 }))

    expect(error.message).toBe('http-decide request failed: the budget ran out')
    // Generous bound: only checks the request was cut off at the budget, not by something slower.
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('rejects after timeoutMs when that comes before the budget', async () => {
    const { instance } = await start({ url: hangingService(), timeoutMs: 100 })

    const error = await failure(instance.decide(giftEvent(), { budgetMs: 30_000 }))

    expect(error.message).toContain('timed out after 100 ms')
  })

  it('rejects when the gateway shuts down', async () => {
    const { instance, abort } = await start({ url: hangingService() })

    const pending = failure(instance.decide(giftEvent(), { budgetMs: 30_000 }))
    setTimeout(() => abort.abort(), 50)

    expect((await pending).message).toContain('shutting down')
  })

  it('rejects when the service is down', async () => {
    const closed = startSink()
    await closed.close()
    const { instance } = await start({ url: closed.url })

    const error = await failure(instance.decide(giftEvent()))

    expect(error.message).toStartWith('http-decide request failed: ')
    expect(error.message).not.toContain('budget')
  })

  it.each([201, 204, 302, 400, 503])('rejects a %d answer, naming the status', async (status) => {
    const error = await failure(decideWith(status === 204 ? '' : '{"error":"unknown gift"}', status))

    expect(error.message).toStartWith(`http-decide service answered ${status}, not 200`)
    if (status !== 204) expect(error.message).toContain('unknown gift')
  })

  it.each([
    ['not JSON', '<html>oops</html>', 'not JSON'],
    ['empty', '', 'empty'],
    ['an array', '[0]', 'not a JSON object'],
    ['a string', '"OK"', 'not a JSON object'],
    ['without ErrorCode', '{"ActionStatus":"OK","ErrorInfo":""}', 'no ErrorCode'],
    ['with ErrorCode as text', '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":"0"}', 'not an integer'],
    ['with a fractional ErrorCode', '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1.5}', 'not an integer'],
    ['with an ErrorCode above 2^53', '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":144115216631667826}', 'not an integer'],
    ['with ErrorInfo not text', '{"ActionStatus":"OK","ErrorInfo":7,"ErrorCode":1}', 'ErrorInfo is not a string'],
  ])('rejects an answer %s', async (_name, body, reason) => {
    const error = await failure(decideWith(body))

    expect(error.message).toStartWith('http-decide service answered 200, but ')
    expect(error.message).toContain(reason)
  })

  it('keeps header values, the secret and the URL query out of error messages', async () => {
    // A service that echoes what it got, as some error pages do.
    const echo = (request: Sink['requests'][number]) => `${request.headers.authorization} ${request.headers['x-gateway-signature']} ${request.path}`
    const target = service((request) => new Response(`denied: ${echo(request)}`, { status: Number(request.headers['x-status']) }))
    const options = { headers: { Authorization: TOKEN }, secret: 'signing-secret-456' }
    const url = `${target.url}/decide?key=query-token-789`
    const closed = startSink()
    await closed.close()
    const messages: string[] = []
    for (const status of ['401', '200']) {
      const { instance } = await start({ url, ...options, headers: { ...options.headers, 'X-Status': status } })
      messages.push((await failure(instance.decide(giftEvent()))).message)
    }
    const down = await start({ url: `${closed.url}/decide?key=query-token-789`, ...options })
    messages.push((await failure(down.instance.decide(giftEvent()))).message)

    const everything = messages.join('\n')
    for (const secret of ['sekrit-token-123', 'signing-secret-456', 'query-token-789']) expect(everything).not.toContain(secret)
    expect(messages[0]).toStartWith('http-decide service answered 401')
    expect(messages[1]).toStartWith('http-decide service answered 200, but the answer is not JSON')
    expect(messages[0]).toContain('[redacted]')
    expect(messages[1]).toContain('[redacted]')
  })

  it('quotes no cut-off piece of a secret from a long answer', async () => {
    // The token straddles the 200-character cut of the quoted snippet.
    const target = service((request) => new Response(`${'x'.repeat(185)}${request.headers.authorization}`, { status: 500 }))
    const { instance } = await start({ url: target.url, headers: { Authorization: TOKEN } })

    const error = await failure(instance.decide(giftEvent()))

    expect(error.message).not.toContain('sekrit')
  })
})
