/**
 * Store files deleted under a running gateway.
 * - The WAL: SIGTERM hung at 100% CPU (close() threw EBADF on a descriptor it had closed),
 *   and a callback answered 503 at that moment was delivered 6,262 times in 2 s.
 * - The main file: five callbacks got 200 into a deleted file, /readyz stayed 200, and a
 *   restart found the events table empty.
 * Now the store fails once either file is not the one it opened: 503 for callbacks, 503 on
 * /readyz, a log line that says why, nothing answered 503 delivered, and shutdown ends.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { tempDir, tencentQuery, until, writeSyncConfig } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink } from '../helpers/sinks.ts'

const sink = startSink()
const servers: ServerProcess[] = []
afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL')
  await sink.close()
})

const body = (room: string) =>
  JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: room, EventType: 'DestroyByUser', EventTime: 1_700_000_000_000 })
const delivered = (room: string) => sink.requests.filter((r) => r.json().payload.RoomId === room).length

async function gatewayWithFiveDelivered(prefix: string): Promise<{ dir: string; server: ServerProcess; db: string }> {
  const dir = tempDir(prefix)
  const config = writeSyncConfig(dir, sink.url, { store: './data/gw.db' })
  const server = await startServer(config)
  servers.push(server)
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: body(`${prefix}before-${i}`) })
    expect(response.status).toBe(200)
  }
  await until(() => [0, 1, 2, 3, 4].every((i) => delivered(`${prefix}before-${i}`) === 1), 5000, 'the first five deliveries')
  return { dir, server, db: join(dir, 'data/gw.db') }
}

async function expectFailedStore(server: ServerProcess, prefix: string, why: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: body(`${prefix}after-${i}`) })
    expect(response.status).toBe(503)
    expect(((await response.json()) as { ErrorCode: number }).ErrorCode).toBe(50301)
  }
  expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(503)
  // Nothing answered 503 reaches the sink, and nothing already delivered is delivered again:
  // longer than the dispatcher's 2 s heartbeat, which would find rows a commit left behind.
  await Bun.sleep(2500)
  for (let i = 0; i < 5; i++) expect(delivered(`${prefix}after-${i}`)).toBe(0)
  for (let i = 0; i < 5; i++) expect(delivered(`${prefix}before-${i}`)).toBe(1)
  await until(() => server.output().includes(why), 3000, `the log to say "${why}"`)
  expect(server.output()).toContain('the store stopped acknowledging callbacks (answered 503) and delivering')
}

describe('a store file deleted under the running gateway', () => {
  it('the WAL: 503 from then on, nothing refused is delivered, SIGTERM exits, and a restart still has the acknowledged events', async () => {
    const { server, db } = await gatewayWithFiveDelivered('wal-')
    rmSync(`${db}-wal`)
    await expectFailedStore(server, 'wal-', `the store's write-ahead log ${db}-wal was deleted`)
    expect(server.output()).toContain(`the deleted write-ahead log was checkpointed into ${db}`)
    server.kill('SIGTERM')
    // The documented bound: 10 s for in-flight deliveries plus each plugin's close.
    const code = await Promise.race([server.exited, Bun.sleep(25_000).then(() => 'still running')])
    expect(code).toBe(0)
    // The WAL's content went into the main file: the acknowledged events survived, the refused ones were never stored.
    const store = new DatabaseSync(db)
    const rooms = (store.prepare('SELECT body FROM events').all() as Array<{ body: string }>).map((row) => JSON.parse(row.body).RoomId).sort()
    store.close()
    expect(rooms).toEqual([0, 1, 2, 3, 4].map((i) => `wal-before-${i}`))
  }, 40_000)

  it('the main file: 503 and /readyz 503 at once, a rescued copy keeps what was acknowledged, and SIGTERM exits', async () => {
    const { dir, server, db } = await gatewayWithFiveDelivered('db-')
    rmSync(db)
    // /readyz turns 503 without any callback arriving.
    await until(async () => (await fetch(`http://127.0.0.1:${server.port}/readyz`)).status === 503, 3000, '/readyz to turn 503')
    await expectFailedStore(server, 'db-', `the store file ${db} was deleted or moved away`)
    const rescued = readdirSync(join(dir, 'data')).filter((name) => name.startsWith('gw.db.rescued-'))
    expect(rescued).toHaveLength(1)
    const copy = new DatabaseSync(join(dir, 'data', rescued[0]!))
    const rooms = (copy.prepare('SELECT body FROM events').all() as Array<{ body: string }>).map((row) => JSON.parse(row.body).RoomId).sort()
    copy.close()
    expect(rooms).toEqual([0, 1, 2, 3, 4].map((i) => `db-before-${i}`))
    server.kill('SIGTERM')
    const code = await Promise.race([server.exited, Bun.sleep(25_000).then(() => 'still running')])
    expect(code).toBe(0)
  }, 40_000)
})
