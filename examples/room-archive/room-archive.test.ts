import { describe, it, expect } from 'bun:test'
import { PermanentError, RetryLater } from '../../src/plugin.ts'
import { cleanupAfterEach, failure, setupPlugin, sampleEvent, type HarnessResult } from '../../test/helpers/plugin-harness.ts'
import { startSink, type Sink } from '../../test/helpers/sinks.ts'
import roomArchive, { toArchiveRecord } from './room-archive.ts'

const API_KEY = 'archive-key-789'
const cleanups = cleanupAfterEach()

async function startWith(respond?: Sink['respond']): Promise<{ target: Sink; harness: HarnessResult }> {
  const target = startSink(respond)
  cleanups.push(() => target.close())
  // A trailing slash on baseUrl must not double up in the request path.
  const harness = await setupPlugin(roomArchive, { baseUrl: `${target.url}/api/`, apiKey: API_KEY })
  cleanups.push(() => harness.remove())
  return { target, harness }
}

const fullDestroy = sampleEvent({
  payload: {
    CallbackCommand: 'Live.CallbackAfterDestroyRoom',
    Operator_Account: '@TIM#SYSTEM',
    RoomId: 'room/42',
    EventType: 'DestroyBySystem',
    EventTime: '1703589922780',
    RoomInfo: { RoomName: 'Friday show', Owner_Account: '144115216631667826' },
    Statistic: { TotalViewers: 321 },
  },
})

describe('room-archive', () => {
  it('maps a destroy-room payload to the archive record', () => {
    expect(toArchiveRecord(fullDestroy)).toEqual({
      roomId: 'room/42',
      roomName: 'Friday show',
      owner: '144115216631667826',
      operator: '@TIM#SYSTEM',
      dissolvedBy: 'system',
      endedAt: '2023-12-26T11:25:22.780Z',
      viewers: 321,
    })
  })

  it('maps a user dissolve without RoomInfo or Statistic', () => {
    const record = toArchiveRecord(sampleEvent())

    expect(record).toMatchObject({ roomId: 'tandy-test-rest', operator: 'admin', dissolvedBy: 'user' })
    expect(record.viewers).toBeUndefined()
    expect(record.roomName).toBeUndefined()
  })

  it('PUTs the record to /rooms/<encoded id>/archive with the bearer key', async () => {
    const { target, harness } = await startWith()

    await harness.instance.deliver(fullDestroy)

    const [request] = target.requests
    expect(request.method).toBe('PUT')
    expect(request.path).toBe('/api/rooms/room%2F42/archive')
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(request.headers['idempotency-key']).toBe(fullDestroy.id)
    expect(request.json()).toEqual(toArchiveRecord(fullDestroy))
  })

  it('treats 409 Conflict as already archived', async () => {
    const { harness } = await startWith(() => new Response('already archived', { status: 409 }))

    await expect(harness.instance.deliver(sampleEvent())).resolves.toBeUndefined()
  })

  it('dead-letters 400', async () => {
    const { harness } = await startWith(() => new Response('bad record', { status: 400 }))

    const error = await failure(harness.instance.deliver(sampleEvent()))

    expect(error).toBeInstanceOf(PermanentError)
    expect(error.message).toContain('400 bad record')
  })

  it('retries after Retry-After on 503', async () => {
    const { harness } = await startWith(() => new Response('maintenance', { status: 503, headers: { 'retry-after': '120' } }))

    const error = await failure(harness.instance.deliver(sampleEvent()))

    expect(error).toBeInstanceOf(RetryLater)
    expect((error as RetryLater).delayMs).toBe(120_000)
  })

  it('retries with backoff on 500', async () => {
    const { harness } = await startWith(() => new Response('oops', { status: 500 }))

    const error = await failure(harness.instance.deliver(sampleEvent()))

    expect(error).not.toBeInstanceOf(PermanentError)
    expect(error).not.toBeInstanceOf(RetryLater)
  })

  it('ignores other commands without a request', async () => {
    const { target, harness } = await startWith()

    await harness.instance.deliver(sampleEvent({ command: 'Live.CallbackAfterCreateRoom', payload: { RoomInfo: { RoomId: 'r1' } } }))

    expect(target.requests).toHaveLength(0)
  })

  it('keeps the API key out of errors and logs', async () => {
    const { harness } = await startWith((request) => new Response(`bad key ${request.headers.authorization}`, { status: 401 }))

    const error = await failure(harness.instance.deliver(sampleEvent()))

    expect(error).toBeInstanceOf(PermanentError)
    expect(error.message).toContain('bad key Bearer [redacted]')
    expect([error.message, ...harness.logLines].join('\n')).not.toContain(API_KEY)
  })
})
