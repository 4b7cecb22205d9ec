/**
 * A lock held on the store by another process must not freeze the gateway. While a sqlite3
 * shell held `BEGIN EXCLUSIVE`, /healthz took 0.8-0.9 s: SQLite's busy_timeout sleeps on the
 * thread that serves HTTP. Now a commit waits for the lock with timers: /healthz and /metrics
 * answer while it waits, a lock released in time lets the callback through, and one held past
 * the store's wait (1 s) gets 503. The order of the answers shows it, not their timing.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SEED_BODY, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'

const servers: ServerProcess[] = []
afterAll(() => {
  for (const server of servers) server.kill('SIGKILL')
})

async function start(): Promise<{ server: ServerProcess; lock: DatabaseSync }> {
  const dir = tempDir('store-lock-')
  const config = join(dir, 'config.yaml')
  writeFileSync(config, `server: { port: 0, hostname: 127.0.0.1 }\ntencent: { sdkAppId: 1400000000 }\nstore: { path: ./gw.db }\n`)
  const server = await startServer(config)
  servers.push(server)
  // Another process's connection, as a sqlite3 shell would hold it.
  const lock = new DatabaseSync(join(dir, 'gw.db'))
  return { server, lock }
}

/** Resolves, in order of arrival, with the names of the requests as they are answered. */
function answerOrder(requests: Record<string, Promise<Response>>): { order: string[]; all: Promise<Record<string, Response>> } {
  const order: string[] = []
  const all = Promise.all(
    Object.entries(requests).map(async ([name, request]) => {
      const response = await request
      order.push(name)
      return [name, response] as const
    }),
  ).then(Object.fromEntries)
  return { order, all }
}

describe('a lock held on the store by another process', () => {
  it('keeps /healthz and /metrics answering while a callback waits for it, and lets the callback through once released', async () => {
    const { server, lock } = await start()
    lock.exec('BEGIN EXCLUSIVE')
    const callback = fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY })
    await Bun.sleep(100)
    const health = fetch(`http://127.0.0.1:${server.port}/healthz`)
    const metrics = fetch(`http://127.0.0.1:${server.port}/metrics`)
    const { order, all } = answerOrder({ callback, health, metrics })
    // Both probes answer while the callback is still waiting for the lock.
    await Promise.all([health, metrics])
    expect(order).toEqual(expect.arrayContaining(['health', 'metrics']))
    expect(order).not.toContain('callback')
    lock.exec('COMMIT')
    const answers = await all
    expect(answers.callback!.status).toBe(200)
    expect(await answers.callback!.json()).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 })
    expect(answers.health!.status).toBe(200)
    expect(order.at(-1)).toBe('callback')
    lock.close()
  })

  it('answers 503 when the lock is held past the wait, and stores the next callback once it is released', async () => {
    const { server, lock } = await start()
    lock.exec('BEGIN EXCLUSIVE')
    const refused = await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY })
    expect(refused.status).toBe(503)
    expect(((await refused.json()) as { ErrorCode: number }).ErrorCode).toBe(50301)
    await until(() => server.output().includes('store is locked by another process'), 3000, 'the 503 to be logged with its cause')
    lock.exec('COMMIT')
    const accepted = await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY })
    expect(accepted.status).toBe(200)
    const count = lock.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }
    expect(Number(count.n)).toBe(1)
    lock.close()
  })
})
