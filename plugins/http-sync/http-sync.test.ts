import { describe, it, expect } from 'bun:test'
import { createHmac } from 'node:crypto'
import { PermanentError, RetryLater } from '../../src/plugin.ts'
import { cleanupAfterEach, failure, setupPlugin, sampleEvent, type HarnessResult } from '../../test/helpers/plugin-harness.ts'
import { startSink, type Sink } from '../../test/helpers/sinks.ts'
import httpSync from './index.ts'

const TOKEN = 'Bearer sekrit-token-123'
const cleanups = cleanupAfterEach()

function sink(respond?: Sink['respond']): Sink {
  const started = startSink(respond)
  cleanups.push(() => started.close())
  return started
}

/** A server that accepts requests and never answers them. */
function hangingServer(): string {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Promise<Response>(() => {}) })
  cleanups.push(() => server.stop(true))
  return `http://127.0.0.1:${server.port}/events`
}

async function start(options: Record<string, unknown>, harnessOptions: { redact?: boolean } = {}): Promise<HarnessResult> {
  const harness = await setupPlugin(httpSync, options, harnessOptions)
  cleanups.push(() => harness.remove())
  return harness
}

async function failureFor(response: () => Response): Promise<Error> {
  const target = sink(response)
  const { instance } = await start({ url: `${target.url}/events` })
  return failure(instance.deliver(sampleEvent()))
}

describe('http-sync requests', () => {
  it('POSTs the full event as JSON with idempotency and configured headers', async () => {
    const target = sink()
    const { instance } = await start({ url: `${target.url}/events`, headers: { Authorization: TOKEN, 'X-Team': 'live' } })
    const event = sampleEvent({ attempt: 2 })

    await instance.deliver(event)

    const [request] = target.requests
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/events')
    expect(request.json()).toEqual(event)
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['idempotency-key']).toBe(event.id)
    expect(request.headers['x-gateway-event-id']).toBe(event.id)
    expect(request.headers['x-gateway-attempt']).toBe('2')
    expect(request.headers.authorization).toBe(TOKEN)
    expect(request.headers['x-team']).toBe('live')
  })

  it('uses PUT when configured', async () => {
    const target = sink()
    const { instance } = await start({ url: target.url, method: 'PUT' })

    await instance.deliver(sampleEvent())

    expect(target.requests[0].method).toBe('PUT')
  })

  it('signs the exact body bytes with HMAC-SHA256 when a secret is set', async () => {
    const target = sink()
    const { instance } = await start({ url: target.url, secret: 'shared-secret' })

    await instance.deliver(sampleEvent())

    const [request] = target.requests
    const expected = createHmac('sha256', 'shared-secret').update(request.body).digest('hex')
    expect(request.headers['x-gateway-signature']).toBe(`sha256=${expected}`)
  })

  it('puts the signature in signatureHeader', async () => {
    const target = sink()
    const { instance } = await start({ url: target.url, secret: 'shared-secret', signatureHeader: 'X-Hub-Signature-256' })

    await instance.deliver(sampleEvent())

    expect(target.requests[0].headers['x-hub-signature-256']).toStartWith('sha256=')
    expect(target.requests[0].headers['x-gateway-signature']).toBeUndefined()
  })

  it('sends no signature without a secret', async () => {
    const target = sink()
    const { instance } = await start({ url: target.url })

    await instance.deliver(sampleEvent())

    expect(target.requests[0].headers['x-gateway-signature']).toBeUndefined()
  })

  it('refuses a url that does not parse', async () => {
    await expect(start({ url: 'http://' })).rejects.toThrow('url is not a valid URL')
  })

  it('refuses a header name that is not an HTTP token', async () => {
    await expect(start({ url: 'http://127.0.0.1/', headers: { 'bad name': 'x' } })).rejects.toThrow('bad name')
  })
})

describe('http-sync outcomes', () => {
  it.each([200, 201, 204])('resolves on %d', async (status) => {
    const target = sink(() => new Response(status === 204 ? null : 'ok', { status }))
    const { instance } = await start({ url: target.url })

    await expect(instance.deliver(sampleEvent())).resolves.toBeUndefined()
  })

  it.each([408, 429, 500, 503])('retries with backoff on %d', async (status) => {
    const error = await failureFor(() => new Response('busy', { status }))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error).not.toBeInstanceOf(RetryLater)
    expect(error.message).toContain(String(status))
  })

  it('retries after Retry-After seconds on 429', async () => {
    const error = await failureFor(() => new Response('slow down', { status: 429, headers: { 'retry-after': '3' } }))

    expect(error).toBeInstanceOf(RetryLater)
    expect((error as RetryLater).delayMs).toBe(3000)
  })

  it('retries after a Retry-After date on 503', async () => {
    const when = new Date(Date.now() + 60_000).toUTCString()
    const error = await failureFor(() => new Response('maintenance', { status: 503, headers: { 'retry-after': when } }))

    expect(error).toBeInstanceOf(RetryLater)
    expect((error as RetryLater).delayMs).toBeGreaterThan(0)
    expect((error as RetryLater).delayMs).toBeLessThanOrEqual(60_000)
  })

  it.each([400, 404, 422])('dead-letters %d with the status and the answer', async (status) => {
    const error = await failureFor(() => new Response('{"error":"unknown room"}', { status }))

    expect(error).toBeInstanceOf(PermanentError)
    expect(error.message).toContain(String(status))
    expect(error.message).toContain('unknown room')
  })

  it('quotes at most 200 characters of the answer', async () => {
    const error = await failureFor(() => new Response('x'.repeat(5000), { status: 422 }))

    expect(error.message).toContain('x'.repeat(200))
    expect(error.message).not.toContain('x'.repeat(201))
  })

  it('dead-letters a redirect instead of following it', async () => {
    const target = sink(() => new Response(null, { status: 302, headers: { location: '/elsewhere' } }))
    const { instance } = await start({ url: `${target.url}/events` })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).toBeInstanceOf(PermanentError)
    expect(target.requests.map((request) => request.path)).toEqual(['/events'])
  })

  it('retries when the target cannot be reached', async () => {
    const closed = startSink()
    await closed.close()
    const { instance } = await start({ url: closed.url })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error.message).toStartWith('http-sync request failed')
  })

  it('gives up waiting after timeoutMs and retries', async () => {
    const { instance } = await start({ url: hangingServer(), timeoutMs: 200 })
    const started = performance.now()

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error.message).toContain('timed out after 200 ms')
    // Generous bound: only checks the request was cut off by the timeout, not by something slower.
    expect(performance.now() - started).toBeLessThan(3000)
  })

  it('aborts an in-flight request when the gateway shuts down', async () => {
    const { instance, abort } = await start({ url: hangingServer(), timeoutMs: 60_000 })

    const pending = failure(instance.deliver(sampleEvent()))
    setTimeout(() => abort.abort(), 50)
    const error = await pending

    expect(error.message).toContain('shutting down')
  })

  it('keeps header values and the secret out of errors and logs', async () => {
    // A target that echoes what it got, as some error pages do.
    const target = sink((request) => new Response(`denied: ${request.headers.authorization} sig=${request.headers['x-gateway-signature']}`, { status: 401 }))
    // Unredacted logs: the plugin itself must keep them out, not only the gateway's redaction.
    const harness = await start({ url: target.url, headers: { Authorization: TOKEN }, secret: 'signing-secret-456' }, { redact: false })
    const messages = [(await failure(harness.instance.deliver(sampleEvent()))).message]
    const closed = startSink()
    await closed.close()
    const unreachable = await start({ url: closed.url, headers: { Authorization: TOKEN } }, { redact: false })
    messages.push((await failure(unreachable.instance.deliver(sampleEvent()))).message)

    const everything = [...messages, ...harness.logLines, ...unreachable.logLines].join('\n')
    expect(everything).not.toContain('sekrit-token-123')
    expect(everything).not.toContain('signing-secret-456')
    expect(messages[0]).toContain('[redacted]')
    expect(harness.logLines.join('\n')).toContain('Authorization')
  })
})
