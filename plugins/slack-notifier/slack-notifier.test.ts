import { describe, it, expect } from 'bun:test'
import { tmpdir } from 'node:os'
import { createLogger } from '../../src/log.ts'
import { PermanentError, RetryLater } from '../../src/plugin.ts'
import type { GatewayEvent } from '../../src/plugin.ts'
import { cleanupAfterEach, failure, setupPlugin, sampleEvent, type HarnessResult } from '../../test/helpers/plugin-harness.ts'
import { startSink, type Sink } from '../../test/helpers/sinks.ts'
import slackNotifier from './index.ts'

const SECRET_PATH = '/services/T000/B000/SECRETxyz'
const cleanups = cleanupAfterEach()

function sink(respond?: Sink['respond']): Sink {
  const started = startSink(respond)
  cleanups.push(() => started.close())
  return started
}

async function start(options: Record<string, unknown>): Promise<HarnessResult> {
  const harness = await setupPlugin(slackNotifier, options)
  cleanups.push(() => harness.remove())
  return harness
}

/** Delivers `event` to a fresh instance posting to `target`, and returns the text Slack received. */
async function postedText(event: GatewayEvent, options: Record<string, unknown> = {}): Promise<string> {
  const target = sink()
  const { instance } = await start({ webhookUrl: target.url + SECRET_PATH, ...options })
  await instance.deliver(event)
  return target.requests[0].json().text
}

describe('slack-notifier messages', () => {
  it('describes a room dissolved by a user with room id, operator and ISO time', async () => {
    const text = await postedText(sampleEvent())

    expect(text).toContain('tandy-test-rest')
    expect(text).toContain('admin')
    expect(text).toContain('by user')
    expect(text).toContain('2023-12-26T11:25:22.780Z')
  })

  it('describes a room dissolved by the system, with EventTime as a digit string', async () => {
    const event = sampleEvent({
      payload: {
        CallbackCommand: 'Live.CallbackAfterDestroyRoom',
        Operator_Account: '@TIM#SYSTEM',
        RoomId: 'empty-room',
        EventType: 'DestroyBySystem',
        EventTime: '1703589922780',
      },
    })

    const text = await postedText(event)

    expect(text).toContain('empty-room')
    expect(text).toContain('@TIM#SYSTEM')
    expect(text).toContain('automatically by the system (room empty)')
    expect(text).toContain('2023-12-26T11:25:22.780Z')
  })

  it('falls back to a generic message naming the command, room and time', async () => {
    const event = sampleEvent({
      command: 'Live.CallbackAfterSetMetadata',
      payload: { RoomId: 'room-7', Operator_Account: 'alice', EventTime: 1703589922780 },
    })

    const text = await postedText(event)

    expect(text).toContain('Live.CallbackAfterSetMetadata')
    expect(text).toContain('room-7')
    expect(text).toContain('2023-12-26T11:25:22.780Z')
  })

  it('fills template placeholders from the payload, dotted paths and event fields', async () => {
    const event = sampleEvent({ payload: { RoomId: 'r1', RoomInfo: { RoomName: 'Friday show' } } })
    const template = '{{RoomId}}|{{ RoomInfo.RoomName }}|{{event.id}}|{{event.command}}|{{event.receivedAt}}|{{event.sdkAppId}}|{{Nope.Missing}}|end'

    const text = await postedText(event, { template })

    expect(text).toBe(`r1|Friday show|${event.id}|Live.CallbackAfterDestroyRoom|2026-11-26T10:00:00.000Z|1400000000||end`)
  })

  it('escapes payload values so they cannot mention @channel', async () => {
    const event = sampleEvent({ payload: { RoomId: '<!channel> & co' } })

    const text = await postedText(event, { template: 'Room {{RoomId}}' })

    expect(text).toBe('Room &lt;!channel&gt; &amp; co')
  })

  it('posts JSON with the username, icon and channel overrides', async () => {
    const target = sink()
    const { instance } = await start({
      webhookUrl: target.url + SECRET_PATH,
      username: 'gateway',
      iconEmoji: ':satellite:',
      channel: '#live-ops',
    })

    await instance.deliver(sampleEvent())

    const [request] = target.requests
    expect(request.method).toBe('POST')
    expect(request.path).toBe(SECRET_PATH)
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.json()).toMatchObject({ username: 'gateway', icon_emoji: ':satellite:', channel: '#live-ops' })
  })
})

describe('slack-notifier outcomes', () => {
  it('resolves on 200 ok', async () => {
    const target = sink(() => new Response('ok'))
    const { instance } = await start({ webhookUrl: target.url + SECRET_PATH })

    await expect(instance.deliver(sampleEvent())).resolves.toBeUndefined()
    expect(target.requests).toHaveLength(1)
  })

  it('asks to retry after Retry-After on 429', async () => {
    const target = sink(() => new Response('rate_limited', { status: 429, headers: { 'retry-after': '7' } }))
    const { instance } = await start({ webhookUrl: target.url + SECRET_PATH })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).toBeInstanceOf(RetryLater)
    expect((error as RetryLater).delayMs).toBe(7000)
  })

  it('waits 30 s on 429 without Retry-After', async () => {
    const target = sink(() => new Response('rate_limited', { status: 429 }))
    const { instance } = await start({ webhookUrl: target.url + SECRET_PATH })

    const error = await failure(instance.deliver(sampleEvent()))

    expect((error as RetryLater).delayMs).toBe(30_000)
  })

  it('retries on 500 with a plain error', async () => {
    const target = sink(() => new Response('internal_error', { status: 500 }))
    const { instance } = await start({ webhookUrl: target.url + SECRET_PATH })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error).not.toBeInstanceOf(RetryLater)
    expect(error.message).toContain('500')
  })

  it('dead-letters 404 channel_not_found with the status and Slack error', async () => {
    const target = sink(() => new Response('channel_not_found', { status: 404 }))
    const { instance } = await start({ webhookUrl: target.url + SECRET_PATH })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).toBeInstanceOf(PermanentError)
    expect(error.message).toContain('404')
    expect(error.message).toContain('channel_not_found')
  })

  it('retries when the webhook cannot be reached', async () => {
    const closed = startSink()
    const url = closed.url + SECRET_PATH
    await closed.close()
    const { instance } = await start({ webhookUrl: url })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error.message).toStartWith('slack webhook request failed')
  })

  it('retries when Slack does not answer within timeoutMs', async () => {
    const hanging = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Promise<Response>(() => {}) })
    cleanups.push(() => hanging.stop(true))
    const { instance } = await start({ webhookUrl: `http://127.0.0.1:${hanging.port}${SECRET_PATH}`, timeoutMs: 100 })

    const error = await failure(instance.deliver(sampleEvent()))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error.message).toContain('timed out after 100 ms')
  })

  it('keeps the webhook URL out of every error message and log line', async () => {
    const answers = [
      new Response('ok'),
      new Response(`invalid_payload at ${SECRET_PATH}`, { status: 400 }),
      new Response('boom', { status: 500 }),
      new Response('rate_limited', { status: 429 }),
    ]
    const target = sink((_request, index) => answers[index])
    const harness = await start({ webhookUrl: target.url + SECRET_PATH })
    const messages: string[] = []
    for (let i = 0; i < answers.length; i++) {
      await harness.instance.deliver(sampleEvent()).catch((error: Error) => messages.push(error.message))
    }
    const closed = startSink()
    const unreachable = await start({ webhookUrl: closed.url + SECRET_PATH })
    await closed.close()
    await unreachable.instance.deliver(sampleEvent()).catch((error: Error) => messages.push(error.message))

    expect(messages).toHaveLength(4)
    const everything = [...messages, ...harness.logLines, ...unreachable.logLines].join('\n')
    expect(everything).not.toContain('SECRETxyz')
    expect(messages[0]).toContain('[redacted]')
  })
})

describe('slack-notifier start-up', () => {
  it('logs a ready line naming the host only, never the webhook URL or its path', async () => {
    const lines: string[] = []
    // No secret registered: a leak would show here instead of being scrubbed away.
    const logger = createLogger({ write: (line) => lines.push(line) }, { plugin: 'slack' })
    const controller = new AbortController()
    await slackNotifier.setup({
      id: 'slack',
      options: { webhookUrl: `https://hooks.example.com${SECRET_PATH}`, timeoutMs: 5000 },
      logger,
      dataDir: tmpdir(),
      configDir: tmpdir(),
      signal: controller.signal,
    })
    const ready = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'slack-notifier ready')
    expect(ready).toMatchObject({ plugin: 'slack', host: 'hooks.example.com', template: 'per command', timeoutMs: 5000 })
    expect(lines.join('\n')).not.toContain('SECRETxyz')
    expect(lines.join('\n')).not.toContain('/services/')
  })
})
