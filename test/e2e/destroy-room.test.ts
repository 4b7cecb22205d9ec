/**
 * The product end to end: the seed page's sample callback, through the real app and
 * store, to the three built-in plugins against real local servers and a real file.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { OK_BODY } from '../../src/tencent/response.ts'
import { makeGateway, SEED_BODY, tencentQuery, until, type TestGateway } from '../helpers/gateway.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'

let gw: TestGateway | undefined
const sinks: Sink[] = []
afterEach(async () => {
  await gw?.close({ drainTimeoutMs: 1000 })
  gw = undefined
  for (const sink of sinks.splice(0)) await sink.close()
})

function sink(respond?: Sink['respond']): Sink {
  const s = startSink(respond)
  sinks.push(s)
  return s
}

function config(slackUrl: string, crmUrl: string, retry = '{ maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 100 }'): string {
  return `
tencent:
  sdkAppId: 1400000000
store:
  path: ./data/gateway.db
plugins:
  audit-log:
    use: file-logger
    options:
      path: ./logs/callbacks.jsonl
  ops-slack:
    use: slack-notifier
    options:
      webhookUrl: ${slackUrl}
    retry: ${retry}
  crm:
    use: http-sync
    options:
      url: ${crmUrl}
      headers: { Authorization: "Bearer crm-token-123" }
    retry: ${retry}
routes:
  - match: Live.CallbackAfterDestroyRoom
    to: [audit-log, ops-slack, crm]
`
}

describe('Live.CallbackAfterDestroyRoom end to end', () => {
  it('answers OK, then logs to a file, posts to Slack and syncs to the in-house endpoint', async () => {
    const slack = sink()
    const crm = sink()
    gw = await makeGateway(config(`${slack.url}/services/T000/B000/SECRET`, `${crm.url}/rooms/destroyed`))
    const query = 'SdkAppid=1400000000&CallbackCommand=Live.CallbackAfterDestroyRoom&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI'
    const response = await gw.post(query, SEED_BODY)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(OK_BODY)

    const [slackPost] = await slack.waitFor(1)
    expect(slackPost!.path).toBe('/services/T000/B000/SECRET')
    expect(slackPost!.json().text).toContain('tandy-test-rest')
    expect(slackPost!.json().text).toContain('admin')

    const [sync] = await crm.waitFor(1)
    const synced = sync!.json()
    expect(sync!.path).toBe('/rooms/destroyed')
    expect(sync!.headers['idempotency-key']).toBe(synced.id)
    expect(sync!.headers.authorization).toBe('Bearer crm-token-123')
    expect(synced.payload).toEqual(JSON.parse(SEED_BODY))

    const file = join(gw.dir, 'logs/callbacks.jsonl')
    const lines = await until(() => {
      try {
        const text = readFileSync(file, 'utf8').trim()
        return text && text.split('\n')
      } catch {
        return false
      }
    })
    expect(lines).toHaveLength(1)
    const logged = JSON.parse(lines[0]!)
    expect(logged.id).toBe(synced.id)
    expect(logged.payload.RoomId).toBe('tandy-test-rest')
    expect(logged.command).toBe('Live.CallbackAfterDestroyRoom')
    expect(gw.logs.join('\n')).not.toContain('SECRET')
    expect(gw.logs.join('\n')).not.toContain('crm-token-123')
  })

  it('retries a sink that fails twice, then delivers the event exactly once', async () => {
    const slack = sink()
    let calls = 0
    const crm = sink(() => (++calls <= 2 ? new Response('busy', { status: 503 }) : new Response('ok')))
    gw = await makeGateway(config(slack.url, crm.url))
    expect((await gw.post(tencentQuery())).status).toBe(200)
    const requests = await crm.waitFor(3)
    await new Promise((r) => setTimeout(r, 300))
    expect(crm.requests).toHaveLength(3)
    const bodies = requests.map((r) => r.json())
    expect(bodies.map((b) => b.attempt)).toEqual([1, 2, 3])
    // One event, one idempotency key across every attempt.
    expect(new Set(requests.map((r) => r.headers['idempotency-key'])).size).toBe(1)
    // Slack was not held up by the failing sync.
    expect(slack.requests).toHaveLength(1)
  })

  it('dead-letters on a permanent 4xx without retrying, and keeps the error', async () => {
    const slack = sink()
    const crm = sink(() => new Response('{"error":"unknown room"}', { status: 422 }))
    gw = await makeGateway(config(slack.url, crm.url))
    expect((await gw.post(tencentQuery())).status).toBe(200)
    await crm.waitFor(1)
    const dead = await until(async () => {
      const list = await gw!.store.listDead()
      return list.length > 0 && list
    })
    expect(dead[0]).toMatchObject({ plugin: 'crm', attempts: 1, command: 'Live.CallbackAfterDestroyRoom' })
    expect(dead[0]!.lastError).toContain('422')
    expect(crm.requests).toHaveLength(1)
  })

  it('a where filter routes by EventType', async () => {
    const slack = sink()
    const crm = sink()
    gw = await makeGateway(
      config(slack.url, crm.url).replace(
        '    to: [audit-log, ops-slack, crm]',
        '    to: [audit-log, crm]\n  - match: Live.*\n    where: { EventType: DestroyBySystem }\n    to: [ops-slack]',
      ),
    )
    await gw.post(tencentQuery())
    await gw.post(tencentQuery(), SEED_BODY.replace('DestroyByUser', 'DestroyBySystem').replace('tandy-test-rest', 'auto-room'))
    await crm.waitFor(2)
    const [post] = await slack.waitFor(1)
    await new Promise((r) => setTimeout(r, 200))
    expect(slack.requests).toHaveLength(1)
    expect(post!.json().text).toContain('auto-room')
  })
})
