/**
 * "200, then lost" is the worst bug a gateway can have. A real gateway process gets 2,000
 * concurrent callbacks and is SIGKILLed part-way; after a restart, every callback it had
 * answered 200 must reach the http-sync receiver at least once (checked by RoomId).
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink } from '../helpers/sinks.ts'

const TOTAL = 2000
const KILL_AFTER = 700

const receiver = startSink()
const servers: ServerProcess[] = []
afterAll(async () => {
  for (const s of servers) s.kill('SIGKILL')
  await receiver.close()
})

describe('SIGKILL under load', () => {
  it(`delivers every acknowledged callback of ${TOTAL} after a kill part-way and a restart`, async () => {
    const configPath = join(tempDir('crash-load-'), 'config.yaml')
    writeFileSync(
      configPath,
      `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db, sync: full }
plugins:
  crm:
    use: http-sync
    options: { url: "${receiver.url}/sync" }
    concurrency: 8
    retry: { maxAttempts: 50, initialDelayMs: 20, maxDelayMs: 500 }
routes: [{ match: Live.CallbackAfterDestroyRoom, to: [crm] }]
`,
    )
    const first = await startServer(configPath)
    servers.push(first)
    const acknowledged = new Set<string>()
    let answered = 0
    let killed = false
    const query = tencentQuery()
    const sends = Array.from({ length: TOTAL }, async (_, i) => {
      const room = `room-${i}`
      const body = JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: room, EventType: 'DestroyByUser', EventTime: 1700000000000 + i })
      try {
        const response = await fetch(`${first.url}?${query}`, { method: 'POST', body })
        const text = await response.text()
        if (response.status === 200 && text.includes('"OK"')) acknowledged.add(room)
      } catch {
        // Connection reset by the kill: not acknowledged, so not owed.
      }
      if (++answered === KILL_AFTER && !killed) {
        killed = true
        first.kill('SIGKILL')
      }
    })
    await Promise.all(sends)
    expect(await first.exited).not.toBe(0)
    expect(killed).toBe(true)
    expect(acknowledged.size).toBeGreaterThan(0)
    expect(acknowledged.size).toBeLessThan(TOTAL)

    const second = await startServer(configPath)
    servers.push(second)
    const deliveredRooms = () => new Set(receiver.requests.map((r) => r.json().payload.RoomId as string))
    await until(() => [...acknowledged].every((room) => deliveredRooms().has(room)), 30_000, 'every acknowledged callback to reach the receiver')
    const missing = [...acknowledged].filter((room) => !deliveredRooms().has(room))
    expect(missing).toEqual([])

    const delivered = deliveredRooms()
    const duplicates = receiver.requests.length - delivered.size
    console.log(
      `crash test: sent ${TOTAL}, acknowledged ${acknowledged.size}, delivered ${delivered.size} distinct ` +
        `(${delivered.size - acknowledged.size} stored but unanswered when killed), duplicate deliveries ${duplicates}`,
    )
    second.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })
})
