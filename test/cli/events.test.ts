/**
 * `events list` and `events show` (src/cli/events.ts) as real processes, on a store a real
 * gateway wrote and delivered from, on SQLite and on PostgreSQL: filters, the id search, cursor
 * pages, every attempt, the payload with its digits, and the errors that name the problem.
 */
import { afterAll, beforeAll, expect, it } from 'bun:test'
import { realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeGateway, tempDir, tencentQuery, type TestGateway } from '../helpers/gateway.ts'
import { runCli } from '../helpers/process.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'
import { describeStore, STORE_KINDS, storeYaml } from '../helpers/stores.ts'

const BIG = '144115212826557295'
const body = (room: string) =>
  `{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":${BIG},"RoomId":"${room}","EventType":"DestroyByUser","EventTime":1703589922780}`

for (const kind of STORE_KINDS)
  describeStore(kind)(`events list and show [${kind}]`, () => {
    const dir = realpathSync(tempDir('cli-events-'))
    const config = join(dir, 'config.yaml')
    let sink: Sink
    let gateway: TestGateway
    const cli = (...args: string[]) => runCli(['events', ...args, '--config', config])

    beforeAll(async () => {
      sink = startSink((_req, index) => (index === 0 ? new Response('busy', { status: 503 }) : new Response('ok')))
      const yaml = `server: { port: 0, hostname: 127.0.0.1 }
tencent:
  apps: [{ name: live-prod, sdkAppId: 1400000000 }, { name: chat, sdkAppId: 1400000001 }]
${storeYaml(kind, 'cli_events')}
admin: { port: 0 }
plugins:
  crm: { use: http-sync, options: { url: "${sink.url}/sync" }, retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 } }
routes:
  - match: Live.*
    to: [crm]
`
      writeFileSync(config, yaml)
      gateway = await makeGateway(yaml, { dir })
      gateway.dispatcher.start()
      for (const [i, app] of ['1400000000', '1400000001', '1400000000'].entries())
        expect((await gateway.post(tencentQuery({}, app), body(`cli-room-${i}`))).status).toBe(200)
      await sink.waitFor(4)
      // Let the last outcome land, and (SQLite) the search index catch up; then the server stops.
      await Bun.sleep(600)
      await gateway.close()
    })
    afterAll(async () => {
      await sink.close()
    })

    it('lists events newest first with their deliveries, and pages with the printed cursor', async () => {
      const first = await cli('list', '--limit', '2')
      expect(first.code).toBe(0)
      const lines = first.stdout.trim().split('\n')
      expect(lines[0]).toBe('RECEIVED\tID\tCOMMAND\tAPP\tDELIVERIES')
      expect(lines[1]).toContain('\tLive.CallbackAfterDestroyRoom\tlive-prod\tcrm:done')
      expect(lines[2]).toContain('\tchat\tcrm:done')
      const cursor = /^more: --cursor (\d+)$/.exec(lines[3]!)?.[1]
      expect(cursor).toBeDefined()
      const second = await cli('list', '--limit', '2', '--cursor', cursor!)
      expect(second.stdout.trim().split('\n')).toHaveLength(2)
      expect((await cli('list', '--app', 'chat')).stdout.trim().split('\n')).toHaveLength(2)
      expect((await cli('list', '--command', 'Group.*')).stdout.trim()).toBe('no events match')
    })

    it('finds an event by a payload id and shows it with every attempt and its exact digits', async () => {
      const found = await cli('list', '--q', 'cli-room-0', '--json')
      expect(found.code).toBe(0)
      const [event] = JSON.parse(found.stdout).events
      expect(event.app).toBe('live-prod')
      const shown = await cli('show', event.id)
      expect(shown.code).toBe(0)
      expect(shown.stdout).toContain(`event     ${event.id}`)
      expect(shown.stdout).toMatch(/delivery \d+ to crm: done, 2 attempts/)
      expect(shown.stdout).toMatch(/retry {2}\d+ ms {2}Error: http-sync target answered 503/)
      expect(shown.stdout).toContain(`"Operator_Account": ${BIG}`)
      const json = await cli('show', event.id, '--json')
      expect(json.stdout).toContain(`"payload":${body('cli-room-0')}`)
      expect(JSON.parse(json.stdout).deliveries[0].history.map((a: { outcome: string }) => a.outcome)).toEqual(['retry', 'done'])
    })

    it('says what is wrong: an unknown event (exit 1), bad options (exit 2)', async () => {
      const missing = await cli('show', '0190a0b1-0000-7000-8000-000000000000')
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain('no event 0190a0b1-0000-7000-8000-000000000000')
      for (const [args, message] of [
        [['list', '--status', 'lost'], '--status takes pending, done or dead'],
        [['list', '--limit', '0'], '--limit takes 1 to 500'],
        [['list', '--since', 'yesterday'], '--since takes an ISO 8601 time or Unix ms'],
        [['list', '--app', 'nobody'], '--app: no app is named "nobody"'],
        [['lst'], 'unknown events command "lst"'],
      ] as const) {
        const result = await cli(...args)
        expect(result.code).toBe(2)
        expect(result.stderr).toContain(message)
      }
    })
  })
