/**
 * `stats` and `dlq` on a store seeded directly, on SQLite and on PostgreSQL: an instance
 * disabled in the chosen environment shows as disabled, a queue with no instance as not in
 * this config; `dlq replay ID` says why nothing was replayed; and neither command needs the
 * plugins' secrets, since they only open the store.
 */
import { beforeAll, expect, it } from 'bun:test'
import { realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PgStore } from '../../src/store/postgres/store.ts'
import { SqliteStore } from '../../src/store/sqlite/store.ts'
import type { DeliveryStore } from '../../src/store/store.ts'
import { tempDir } from '../helpers/gateway.ts'
import { freshPgUrl } from '../helpers/postgres.ts'
import { runCli } from '../helpers/process.ts'
import { describeStore, STORE_KINDS } from '../helpers/stores.ts'

for (const kind of STORE_KINDS) {
  describeStore(kind)(`stats and dlq on a seeded store [${kind}]`, () => {
    const dir = realpathSync(tempDir('stats-dlq-'))
    const config = join(dir, 'config.yaml')
    const pgUrl = kind === 'postgres' ? freshPgUrl('stats_dlq') : undefined
    // Delivery ids by state: crm's is dead, ops-slack's pending, gone's done.
    const ids = { dead: 0, pending: 0, done: 0 }

    beforeAll(async () => {
      // ops-slack is off in the base config and on in production, where its webhook needs $SLACK_WEBHOOK_URL.
      writeFileSync(
        config,
        `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: ${pgUrl ? `{ url: "${pgUrl}" }` : '{ path: ./data/gateway.db }'}
plugins:
  crm:
    use: http-sync
    options: { url: "http://127.0.0.1:9/sync" }
  ops-slack:
    use: slack-notifier
    enabled: false
    options: { webhookUrl: "\${SLACK_WEBHOOK_URL}" }
routes: [{ match: "*", to: [crm, ops-slack] }]
environments:
  production:
    plugins:
      ops-slack: { enabled: true }
`,
      )
      const store: DeliveryStore = pgUrl ? await PgStore.open({ url: pgUrl, listen: false }) : new SqliteStore({ path: join(dir, 'data/gateway.db') })
      try {
        // "gone" is an instance no longer in the config: its delivery is done, and one pending stays queued.
        const event = { command: 'Live.CallbackAfterDestroyRoom', sdkAppId: '1400000000', receivedAt: Date.now(), body: '{"RoomId":"r1"}' }
        await store.append({ ...event, id: 'evt-1', targets: ['crm', 'ops-slack', 'gone'] })
        await store.append({ ...event, id: 'evt-2', targets: ['gone'] })
        const [crm] = await store.claimDue('crm', { now: Date.now(), limit: 1 })
        await store.bury(crm!.id, 'PermanentError: 400 unknown tenant')
        const [gone] = await store.claimDue('gone', { now: Date.now(), limit: 1 })
        await store.complete(gone!.id)
        ids.dead = crm!.id
        ids.done = gone!.id
        ids.pending = (await store.claimDue('ops-slack', { now: Date.now(), limit: 1 }))[0]!.id
        await store.release(ids.pending)
      } finally {
        await store.close()
      }
    })

    it('stats shows an instance disabled in this environment as disabled, and a queue with no instance as not in this config', async () => {
      const text = await runCli(['stats', '--config', config])
      expect(text.code).toBe(0)
      const inFlight = kind === 'postgres' ? '0' : '-'
      // The last column, the oldest pending age, is left out: it depends on how long the run took.
      const rows = text.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split('\t').slice(0, 4).join('\t'))
      expect(rows).toEqual([
        'PLUGIN\tPENDING\tIN FLIGHT\tDEAD',
        `crm\t0\t${inFlight}\t1`,
        `gone (not in this config)\t1\t${inFlight}\t0`,
        `ops-slack (disabled)\t1\t${inFlight}\t0`,
      ])
      const json = JSON.parse((await runCli(['stats', '--json', '--config', config])).stdout)
      expect(json.queues.map((q: { plugin: string; state: string; configured: boolean }) => [q.plugin, q.state, q.configured])).toEqual([
        ['crm', 'enabled', true],
        ['gone', 'absent', false],
        ['ops-slack', 'disabled', false],
      ])
    })

    it('stats and dlq list need no plugin secret; validate still names the missing variable', async () => {
      // SLACK_WEBHOOK_URL is unset, and ops-slack is enabled in production.
      const stats = await runCli(['stats', '--json', '--env', 'production', '--config', config])
      expect(stats.stderr).toBe('')
      expect(stats.code).toBe(0)
      expect(JSON.parse(stats.stdout).queues.find((q: { plugin: string }) => q.plugin === 'ops-slack')).toMatchObject({ state: 'enabled', pending: 1 })
      const list = await runCli(['dlq', 'list', '--json', '--config', config], { GATEWAY_ENV: 'production' })
      expect(list.stderr).toBe('')
      expect(list.code).toBe(0)
      expect(JSON.parse(list.stdout).map((d: { id: number }) => d.id)).toEqual([ids.dead])
      const validate = await runCli(['validate', '--env', 'production', '--config', config])
      expect(validate.code).toBe(2)
      expect(validate.stderr).toContain('plugins.ops-slack.options.webhookUrl: environment variable SLACK_WEBHOOK_URL is not set')
    })

    it('dlq replay or purge of an id that is not a dead letter says what it is, exit 1, and changes nothing', async () => {
      const cases: Array<[string[], string]> = [
        [['replay', String(ids.pending)], `delivery ${ids.pending} is not a dead letter (it is pending)`],
        [['purge', String(ids.pending)], `delivery ${ids.pending} is not a dead letter (it is pending)`],
        [['replay', String(ids.done)], `delivery ${ids.done} is not a dead letter (it is done)`],
        [['replay', '999999'], 'no delivery 999999'],
        [['purge', String(ids.dead), '--plugin', 'ops-slack'], `delivery ${ids.dead} is a dead letter of "crm", not of --plugin "ops-slack"`],
      ]
      for (const [args, message] of cases) {
        const result = await runCli(['dlq', ...args, '--config', config])
        expect({ args, code: result.code, stderr: result.stderr.trim() }).toEqual({ args, code: 1, stderr: message })
        expect(result.stdout).toBe('')
      }
      const stats = JSON.parse((await runCli(['stats', '--json', '--config', config])).stdout)
      expect(stats.queues.map((q: { plugin: string; pending: number; dead: number }) => [q.plugin, q.pending, q.dead])).toEqual([
        ['crm', 0, 1],
        ['gone', 1, 0],
        ['ops-slack', 1, 0],
      ])
      // The dead letter itself still replays; options may come before the dlq command.
      const replay = await runCli(['dlq', '--config', config, 'replay', String(ids.dead)])
      expect(replay).toMatchObject({ code: 0, stdout: 'replayed 1 dead letter\n' })
    })
  })
}
