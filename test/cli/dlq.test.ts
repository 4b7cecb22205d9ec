/**
 * `dlq` and `stats` against the store of a running server, on SQLite and on PostgreSQL: a
 * permanently failing sink dead-letters; list shows it; once the sink is fixed, replay delivers
 * it; purge removes dead letters; stats counts them.
 */
import { afterAll, beforeAll, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SEED_BODY, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { runCli, startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'
import { describeStore, STORE_KINDS, storeYaml } from '../helpers/stores.ts'

for (const kind of STORE_KINDS) {
  describeStore(kind)(`dlq and stats against a running server [${kind}]`, () => {
    let server: ServerProcess
    let sink: Sink
    let configPath: string
    let broken = true

    async function send(room: string) {
      const response = await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY.replace('tandy-test-rest', room) })
      expect(response.status).toBe(200)
    }

    async function deadList(): Promise<Array<Record<string, any>>> {
      const result = await runCli(['dlq', 'list', '--config', configPath, '--json'])
      expect(result.code).toBe(0)
      return JSON.parse(result.stdout)
    }

    beforeAll(async () => {
      sink = startSink(() => (broken ? new Response('{"error":"unknown tenant"}', { status: 400 }) : new Response('ok')))
      configPath = join(tempDir('dlq-'), 'config.yaml')
      writeFileSync(
        configPath,
        `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
${storeYaml(kind, 'dlq')}
plugins:
  crm:
    use: http-sync
    options: { url: "${sink.url}/sync" }
routes: [{ match: "*", to: [crm] }]
`,
      )
      server = await startServer(configPath)
    })

    afterAll(async () => {
      server.kill('SIGTERM')
      await server.exited
      await sink.close()
    })

    it('lists a dead letter with its plugin, command, attempts and errors', async () => {
      await send('room-a')
      const [dead] = await until(
        async () => {
          const list = await deadList()
          return list.length > 0 && list
        },
        5000,
        'a dead letter',
      )
      expect(dead).toMatchObject({ plugin: 'crm', command: 'Live.CallbackAfterDestroyRoom', attempts: 1 })
      expect(dead!.lastError).toContain('400')
      expect(dead!.firstError).toContain('400')
      const text = await runCli(['dlq', 'list', '--config', configPath, '--plugin', 'crm'])
      expect(text.stdout.split('\n')[0]).toBe('ID\tPLUGIN\tCOMMAND\tATTEMPTS\tDEAD AT\tLAST ERROR\tFIRST ERROR')
      expect(text.stdout).toContain(`${dead!.id}\tcrm\tLive.CallbackAfterDestroyRoom\t1\t`)
      expect((await runCli(['dlq', 'list', '--config', configPath, '--plugin', 'other'])).stdout).toContain('no dead letters')
    })

    it('stats counts the dead letter and the empty queue per instance', async () => {
      const result = await runCli(['stats', '--config', configPath, '--json'])
      expect(result.code).toBe(0)
      const stats = JSON.parse(result.stdout)
      expect(stats.store).toBe(kind)
      expect(stats.queues).toEqual([expect.objectContaining({ plugin: 'crm', pending: 0, dead: 1, oldestPendingAgeMs: null, configured: true })])
      const text = await runCli(['stats', '--config', configPath])
      expect(text.stdout.split('\n').slice(0, 3)).toEqual([
        `store: ${kind}`,
        'PLUGIN\tPENDING\tIN FLIGHT\tDEAD\tOLDEST PENDING',
        `crm\t0\t${kind === 'postgres' ? 0 : '-'}\t1\t-`,
      ])
    })

    it('replays it once the sink is fixed, and the running server delivers it', async () => {
      broken = false
      const before = sink.requests.length
      const result = await runCli(['dlq', 'replay', '--all', '--plugin', 'crm', '--config', configPath])
      expect(result.stdout).toContain('replayed 1 dead letter')
      await until(() => sink.requests.length > before, 6000, 'the replayed delivery')
      const delivered = sink.requests.at(-1)!.json()
      expect(delivered.payload.RoomId).toBe('room-a')
      expect(delivered.attempt).toBe(1)
      expect(await deadList()).toEqual([])
    })

    it('replays one by id, and purges', async () => {
      broken = true
      await send('room-b')
      await send('room-c')
      const dead = await until(
        async () => {
          const list = await deadList()
          return list.length === 2 && list
        },
        5000,
        'two dead letters',
      )
      expect((await runCli(['dlq', 'purge', String(dead[0]!.id), '--config', configPath])).stdout).toContain('purged 1 dead letter')
      expect((await deadList()).map((d) => d.id)).toEqual([dead[1]!.id])
      expect((await runCli(['dlq', 'purge', '--all', '--config', configPath])).stdout).toContain('purged 1 dead letter')
      expect(await deadList()).toEqual([])
      const missing = await runCli(['dlq', 'replay', '999999', '--config', configPath])
      expect(missing.code).toBe(1)
      expect((await runCli(['dlq', 'replay', '--config', configPath])).code).toBe(2)
    })
  })
}
