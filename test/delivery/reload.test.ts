/**
 * Config reload on SIGHUP, under continuous load, on a real process: no request fails, a
 * route added by the reload receives callbacks from then on, and a broken config is refused
 * while the running one stays.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeGateway, recordingConfig, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { deliveredTo, resetRecording, closed } from '../fixtures/recording-plugin.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink } from '../helpers/sinks.ts'
import { loadConfig } from '../../src/config/load.ts'

const sinkA = startSink()
const sinkB = startSink()
let server: ServerProcess | undefined
afterAll(async () => {
  server?.kill('SIGKILL')
  await sinkA.close()
  await sinkB.close()
})

function config(withB: boolean, broken = false): string {
  return `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
plugins:
  a: { use: http-sync, options: { url: "${sinkA.url}/a" } }
${withB ? `  b: { use: http-sync, options: { url: "${sinkB.url}/b" } }\n` : ''}routes:
  - match: Live.CallbackAfterDestroyRoom
    to: [a]
${withB ? '  - match: Live.*\n    to: [b]\n' : ''}${broken ? 'bogusKey: 1\n' : ''}`
}

describe('SIGHUP reload', () => {
  it('adds a route under continuous load without failing a request', async () => {
    const dir = tempDir('reload-')
    const path = join(dir, 'config.yaml')
    writeFileSync(path, config(false))
    server = await startServer(path)
    const url = `${server.url}?${tencentQuery()}`
    const statuses: Array<number | string> = []
    let n = 0
    let running = true
    const sentAfterReload: string[] = []
    let reloaded = false
    const worker = async () => {
      while (running) {
        const room = `room-${n++}`
        const after = reloaded
        try {
          const response = await fetch(url, {
            method: 'POST',
            body: JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: room, EventType: 'DestroyByUser', EventTime: n }),
          })
          statuses.push(response.status)
          await response.text()
          if (after) sentAfterReload.push(room)
        } catch (error) {
          statuses.push(String(error))
        }
      }
    }
    const workers = [worker(), worker(), worker(), worker()]
    await until(() => statuses.length > 200, 10_000, 'load before the reload')

    writeFileSync(path, config(true))
    server.kill('SIGHUP')
    await until(() => server!.output().includes('"msg":"config reloaded"'), 10_000, 'the reload')
    reloaded = true
    await until(() => sentAfterReload.length > 200, 10_000, 'load after the reload')

    // A broken config is refused, every error logged, and the running config stays.
    writeFileSync(path, config(true, true))
    server.kill('SIGHUP')
    await until(() => server!.output().includes('config reload failed'), 10_000, 'the refused reload')
    const afterBroken = sentAfterReload.length
    await until(() => sentAfterReload.length > afterBroken + 100, 10_000, 'load after the refused reload')
    running = false
    await Promise.all(workers)

    expect(statuses.filter((s) => s !== 200)).toEqual([])
    expect(server.output()).toContain('bogusKey: unknown key')
    const roomsAt = (sink: typeof sinkA) => new Set(sink.requests.map((r) => r.json().payload.RoomId as string))
    await until(
      () => {
        const b = roomsAt(sinkB)
        return sentAfterReload.every((room) => b.has(room))
      },
      10_000,
      'sink b to have every callback sent after the reload',
    )
    await until(() => roomsAt(sinkA).size === statuses.length, 10_000, 'sink a to have every callback')
    console.log(`reload: ${statuses.length} callbacks under load, 0 failed; ${sentAfterReload.length} sent after the reload all reached the new route`)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    server = undefined
  })
})

describe('reload in process', () => {
  it('sets a changed instance up before closing the old one, which first finishes its in-flight delivery', async () => {
    resetRecording()
    const slow = recordingConfig({ options: '{ delayMs: 300 }' })
    const gw = await makeGateway(slow)
    await gw.post(tencentQuery())
    await new Promise((r) => setTimeout(r, 50)) // the delivery is now in flight (300 ms)
    const fast = slow.replace('options: { delayMs: 300 }', 'options: { delayMs: 0 }')
    writeFileSync(join(gw.dir, 'config.yaml'), fast)
    const changes = await gw.reload(await loadConfig({ path: join(gw.dir, 'config.yaml'), env: {} }))
    expect(changes).toEqual(['replaced rec (its settings changed)'])
    expect(closed).toEqual([]) // the old instance is still finishing
    await until(() => closed.length === 1, 3000, 'the old instance to close')
    expect(deliveredTo('rec').map((e) => e.payload.RoomId)).toEqual(['tandy-test-rest'])
    await gw.post(
      tencentQuery(),
      JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: 'after', EventType: 'DestroyByUser', EventTime: 2 }),
    )
    await until(() => deliveredTo('rec').length === 2, 3000, 'delivery by the new instance')
    await gw.close()
    expect(closed).toEqual(['rec', 'rec'])
  })

  it('keeps an unchanged instance and refuses a reload whose new instance fails to set up', async () => {
    resetRecording()
    const gw = await makeGateway(recordingConfig())
    const before = gw.plugins[0]!.instance
    const unchanged = await gw.reload(await loadConfig({ path: join(gw.dir, 'config.yaml'), env: {} }))
    expect(unchanged).toEqual(['nothing changed'])
    expect(gw.plugins[0]!.instance).toBe(before)

    const failing = join(gw.dir, 'failing-plugin.ts')
    writeFileSync(failing, "export default { name: 'failing', setup() { throw new Error('cannot reach the target') } }\n")
    writeFileSync(join(gw.dir, 'config.yaml'), recordingConfig().replace('routes:', `  broken: { use: ./failing-plugin.ts }\nroutes:`))
    await expect(gw.reload(await loadConfig({ path: join(gw.dir, 'config.yaml'), env: {} }))).rejects.toThrow('cannot reach the target')
    expect(gw.plugins.map((p) => p.spec.id)).toEqual(['rec'])
    expect((await gw.post(tencentQuery())).status).toBe(200)
    await until(() => deliveredTo('rec').length === 1, 3000, 'delivery with the old config')
    await gw.close()
  })
})
