/**
 * Review of 5bb00d0 on real gateway processes (default 2 s heartbeat): `dlq replay` from another
 * process while serving, and an ordered lane with a retrying head across SIGKILL and restart.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SEED_BODY, tempDir, tencentQuery, until } from '../../helpers/gateway.ts'
import { runCli, startServer, type ServerProcess } from '../../helpers/process.ts'
import { startSink, type Sink } from '../../helpers/sinks.ts'

const servers: ServerProcess[] = []
const sinks: Sink[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.kill('SIGKILL')
    await server.exited
  }
  for (const sink of sinks.splice(0)) await sink.close()
})

const room = (i: number) => SEED_BODY.replace('tandy-test-rest', `room-${i}`).replace('1703589922780', String(1703589922780 + i))
const post = (server: ServerProcess, i: number) => fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: room(i) })
const roomOf = (body: string) => (JSON.parse(body).payload?.RoomId ?? JSON.parse(body).RoomId) as string

function config(dir: string, sinkUrl: string): string {
  const path = join(dir, 'config.yaml')
  writeFileSync(
    path,
    `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
plugins:
  dead:
    use: http-sync
    options: { url: "${sinkUrl}/dead" }
    concurrency: 4
    retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 }
  ordered:
    use: http-sync
    options: { url: "${sinkUrl}/ordered" }
    concurrency: 1
    retry: { maxAttempts: 50, initialDelayMs: 20, maxDelayMs: 300 }
  fine:
    use: http-sync
    options: { url: "${sinkUrl}/fine" }
    concurrency: 4
routes: [{ match: "*", to: [dead, ordered, fine] }]
`,
  )
  return path
}

describe('real processes', () => {
  it('delivers dead letters replayed by `dlq replay` from another process within the 2 s heartbeat', async () => {
    let deadOk = false
    const sink = startSink((req) => (req.path.startsWith('/dead') && !deadOk ? new Response('no', { status: 500 }) : new Response('ok')))
    sinks.push(sink)
    const dir = tempDir('wakeups-proc-')
    const path = config(dir, sink.url)
    const server = await startServer(path)
    servers.push(server)
    for (let i = 0; i < 5; i++) expect((await post(server, i)).status).toBe(200)
    await until(
      async () => {
        const r = await runCli(['dlq', 'list', '--json', '--config', path])
        return r.code === 0 && JSON.parse(r.stdout).length === 5
      },
      8000,
      'five dead letters',
    )
    deadOk = true
    const okBefore = () => sink.requests.filter((r) => r.path.startsWith('/dead')).length
    const before = okBefore()
    const replay = await runCli(['dlq', 'replay', '--all', '--config', path])
    expect(replay.code).toBe(0)
    const replayed = Date.now()
    await until(() => okBefore() - before >= 5, 6000, 'the five replayed deliveries')
    expect(Date.now() - replayed).toBeLessThan(3000)
  })

  it('keeps arrival order on an ordered lane with a retrying head, through SIGKILL and restart', async () => {
    // The ordered sink refuses each room's first attempt (Retry-After 0: backoff decides).
    const attempted = new Set<string>()
    const sink = startSink((req) => {
      if (!req.path.startsWith('/ordered')) return new Response('ok')
      const r = roomOf(req.body)
      if (!attempted.has(r)) {
        attempted.add(r)
        return new Response('busy', { status: 503 })
      }
      return new Response('ok')
    })
    sinks.push(sink)
    const dir = tempDir('wakeups-proc-')
    const path = config(dir, sink.url)
    let server = await startServer(path)
    servers.push(server)
    const total = 30
    for (let i = 0; i < total; i++) {
      expect((await post(server, i)).status).toBe(200)
      if (i === 15) {
        server.kill('SIGKILL')
        await server.exited
        servers.splice(0)
        server = await startServer(path)
        servers.push(server)
      }
    }
    const okOrdered = () => {
      const seen = new Map<string, number>()
      const firstOk: string[] = []
      for (const req of sink.requests.filter((r) => r.path.startsWith('/ordered'))) {
        const r = roomOf(req.body)
        seen.set(r, (seen.get(r) ?? 0) + 1)
        if (seen.get(r) === 2) firstOk.push(r)
      }
      return firstOk
    }
    await until(() => okOrdered().length >= total, 30_000, 'every room to the ordered sink')
    expect(okOrdered()).toEqual(Array.from({ length: total }, (_, i) => `room-${i}`))
    const fine = new Set(sink.requests.filter((r) => r.path.startsWith('/fine')).map((r) => roomOf(r.body)))
    expect(fine.size).toBe(total)
  })
})
