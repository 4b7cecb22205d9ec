/**
 * One serving process per SQLite store. Two gateways on one file both owned its queues in
 * memory, so with a sink that failed and then recovered 8 of 10 events reached it twice. Now
 * the second `serve` exits 1 naming the file and the holder; the CLI still works next to the
 * server, and a lock left by a SIGKILLed gateway does not stop the restart.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SEED_BODY, tempDir, tencentQuery, writeSyncConfig } from '../helpers/gateway.ts'
import { runCli, startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink } from '../helpers/sinks.ts'

const sink = startSink()
const servers: ServerProcess[] = []
afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL')
  await sink.close()
})

function writeConfig(dir: string, name: string, store?: string): string {
  return writeSyncConfig(dir, sink.url, { name, store })
}

describe('one serving process per SQLite store', () => {
  it('refuses a second serve on the same file, naming the file and the pid that holds it', async () => {
    const dir = tempDir('owner-')
    const first = await startServer(writeConfig(dir, 'a.yaml'))
    servers.push(first)
    // Another config file that shares the store, with another port: the case that delivered twice.
    const second = await runCli(['serve', '--config', writeConfig(dir, 'b.yaml')])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`store ${join(dir, 'data/gateway.db')} is in use by another gateway (pid `)
    expect(second.stderr).toContain('Stop that gateway first, or give this one its own store.path')
    expect(second.stdout).not.toContain('"msg":"listening"')
    const pid = /pid (\d+)/.exec(second.stderr)?.[1]
    expect(Number(pid)).toBeGreaterThan(0)

    // The first one still serves and delivers.
    const response = await fetch(`${first.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY })
    expect(response.status).toBe(200)
    await sink.waitFor(1)
    first.kill('SIGTERM')
    expect(await first.exited).toBe(0)
  })

  it('lets dlq, stats and validate run next to the server', async () => {
    const dir = tempDir('owner-cli-')
    const config = writeConfig(dir, 'config.yaml')
    const server = await startServer(config)
    servers.push(server)
    const stats = await runCli(['stats', '--config', config, '--json'])
    expect(stats.code).toBe(0)
    expect(JSON.parse(stats.stdout).queues.map((q: { plugin: string }) => q.plugin)).toEqual(['crm'])
    const dlq = await runCli(['dlq', 'list', '--config', config])
    expect(dlq.code).toBe(0)
    const validate = await runCli(['validate', '--config', config])
    expect(validate.code).toBe(0)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('starts again at once after the owner was SIGKILLed', async () => {
    const dir = tempDir('owner-kill-')
    const config = writeConfig(dir, 'config.yaml')
    const first = await startServer(config)
    servers.push(first)
    first.kill('SIGKILL')
    await first.exited
    expect(existsSync(join(dir, 'data/gateway.db.lock'))).toBe(true)
    const second = await startServer(config)
    servers.push(second)
    const response = await fetch(`${second.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY.replace('tandy-test-rest', 'after-kill') })
    expect(response.status).toBe(200)
    second.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })
})

describe('store files the CLI opens', () => {
  it('stats and dlq on a store that does not exist say so and create nothing', async () => {
    const dir = tempDir('owner-missing-')
    const config = writeConfig(dir, 'config.yaml')
    for (const args of [['stats'], ['dlq', 'list']]) {
      const result = await runCli([...args, '--config', config])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`no store at ${join(dir, 'data/gateway.db')}`)
    }
    expect(existsSync(join(dir, 'data'))).toBe(false)
  })

  it('start-up errors name the store file', async () => {
    const dir = tempDir('owner-garbage-')
    const config = writeConfig(dir, 'config.yaml', './not-a-db.bin')
    writeFileSync(join(dir, 'not-a-db.bin'), 'this is not an SQLite file, just text that is long enough to have a header'.repeat(20))
    for (const args of [['serve'], ['stats']]) {
      const result = await runCli([...args, '--config', config])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`cannot open the store ${join(dir, 'not-a-db.bin')}: file is not a database`)
    }
  })
})
