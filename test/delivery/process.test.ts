/**
 * Real processes: a gateway killed with SIGKILL after answering OK still delivers after a
 * restart; SIGTERM finishes in-flight deliveries, closes plugins in reverse order, exits 0.
 */
import { afterEach, describe, expect, it } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, SEED_BODY, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'

const JOURNAL_PLUGIN = join(REPO, 'test/fixtures/journal-plugin.ts')
const servers: ServerProcess[] = []
const sinks: Sink[] = []

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.kill('SIGKILL')
    await server.exited
  }
  for (const sink of sinks.splice(0)) await sink.close()
})

async function start(configPath: string): Promise<ServerProcess> {
  const server = await startServer(configPath)
  servers.push(server)
  return server
}

function post(server: ServerProcess, body = SEED_BODY): Promise<Response> {
  return fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body })
}

describe('SIGKILL after OK', () => {
  it('delivers after a restart what was acknowledged before the kill', async () => {
    let healthy = false
    const receiver = startSink(() => (healthy ? new Response('ok') : new Response('down', { status: 503 })))
    sinks.push(receiver)
    const dir = tempDir('crash-')
    const configPath = join(dir, 'config.yaml')
    writeFileSync(
      configPath,
      `
server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
plugins:
  crm:
    use: http-sync
    options: { url: "${receiver.url}/sync" }
    retry: { maxAttempts: 20, initialDelayMs: 50, maxDelayMs: 200 }
routes: [{ match: "*", to: [crm] }]
`,
    )
    const first = await start(configPath)
    const rooms = ['room-1', 'room-2', 'room-3']
    for (const room of rooms) {
      const response = await post(first, SEED_BODY.replace('tandy-test-rest', room))
      expect(response.status).toBe(200)
    }
    // Killed at once: the sink has answered nothing but 503, so nothing was delivered yet.
    first.kill('SIGKILL')
    expect(await first.exited).not.toBe(0)
    expect(first.output()).not.toContain('"msg":"stopped"')

    healthy = true
    const failedBefore = receiver.requests.length
    const second = await start(configPath)
    await until(
      () => {
        const delivered = new Set(receiver.requests.slice(failedBefore).map((r) => r.json().payload.RoomId))
        return rooms.every((room) => delivered.has(room))
      },
      10_000,
      'every acknowledged callback to be delivered after the restart',
    )
    expect(second.port).toBeGreaterThan(0)
  })
})

describe('SIGTERM', () => {
  it('finishes in-flight deliveries, closes plugins in reverse order and exits 0', async () => {
    const dir = tempDir('sigterm-')
    const journal = join(dir, 'journal.log')
    const configPath = join(dir, 'config.yaml')
    writeFileSync(
      configPath,
      `
server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
plugins:
  first:
    use: ${JOURNAL_PLUGIN}
    options: { journal: ${journal}, delayMs: 600 }
  second:
    use: ${JOURNAL_PLUGIN}
    options: { journal: ${journal} }
routes: [{ match: "*", to: [first, second] }]
`,
    )
    const server = await start(configPath)
    expect((await post(server)).status).toBe(200)
    await until(() => existsSync(journal) && readFileSync(journal, 'utf8').includes('started first'), 5000, 'the slow delivery to start')
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const lines = readFileSync(journal, 'utf8').trim().split('\n')
    expect(lines.slice(0, 2)).toEqual(['setup first', 'setup second'])
    expect(lines).toContain('delivered first tandy-test-rest 1')
    // The slow delivery finished before any plugin was closed; closes run in reverse order.
    expect(lines.indexOf('delivered first tandy-test-rest 1')).toBeLessThan(lines.indexOf('closed second'))
    expect(lines.slice(-2)).toEqual(['closed second', 'closed first'])
    expect(server.output()).toContain('"msg":"stopped"')
  })

  it('refuses new callbacks once stopping, and leaves pending deliveries for the next start', async () => {
    const dir = tempDir('sigterm-pending-')
    const journal = join(dir, 'journal.log')
    const configPath = join(dir, 'config.yaml')
    writeFileSync(
      configPath,
      `
server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
plugins:
  slow:
    use: ${JOURNAL_PLUGIN}
    options: { journal: ${journal}, delayMs: 300 }
    concurrency: 1
routes: [{ match: "*", to: [slow] }]
`,
    )
    const server = await start(configPath)
    for (let i = 0; i < 5; i++) expect((await post(server, SEED_BODY.replace('tandy-test-rest', `r${i}`))).status).toBe(200)
    await until(() => existsSync(journal) && readFileSync(journal, 'utf8').includes('started slow'))
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    await expect(post(server)).rejects.toThrow()
    const before = readFileSync(journal, 'utf8').match(/^delivered /gm)?.length ?? 0
    expect(before).toBeLessThan(5)

    const again = await start(configPath)
    await until(() => (readFileSync(journal, 'utf8').match(/^delivered /gm)?.length ?? 0) >= 5, 10_000, 'the rest to be delivered')
    const delivered = readFileSync(journal, 'utf8')
      .match(/^delivered slow (r\d)/gm)!
      .map((l) => l.split(' ')[2])
    // Concurrency 1 keeps arrival order, across the restart too.
    expect(delivered).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
    again.kill('SIGTERM')
    expect(await again.exited).toBe(0)
  })
})
