/**
 * `scope: 'store'` loads what the store commands (dlq, stats) need: an enabled plugin's
 * missing secret or bad options are no error there, since they deliver nothing, but the
 * instances are still listed with their id, `use` and `enabled`, and the rest of the config
 * is checked as for serve.
 */
import { describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { ConfigError } from '../../src/errors.ts'
import { tempDir } from '../helpers/gateway.ts'

function write(yaml: string): string {
  const path = join(tempDir('config-scope-'), 'config.yaml')
  writeFileSync(path, yaml)
  return path
}

const YAML = `
tencent:
  sdkAppId: 1400000000
store:
  retentionDays: \${RETENTION_DAYS:-3}
plugins:
  slack:
    use: slack-notifier
    options:
      webhookUrl: \${SLACK_WEBHOOK_URL}
      bogus: 1
  crm:
    use: http-sync
    enabled: \${CRM_ENABLED:-false}
    options: { url: "\${CRM_URL}" }
routes:
  - match: "*"
    to: [slack, crm]
`

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe("loadConfig scope: 'store'", () => {
  it('needs no plugin secret and checks no plugin options, but keeps the instances', async () => {
    const path = write(YAML)
    // The default scope still asks for both.
    expect(await problemsOf(loadConfig({ path, env: {} }))).toEqual([
      'plugins.slack.options.webhookUrl: environment variable SLACK_WEBHOOK_URL is not set',
      'plugins.slack.options.bogus: unknown key "bogus"',
    ])
    const loaded = await loadConfig({ path, env: {}, scope: 'store' })
    expect(loaded.instances.map(({ id, use, enabled }) => ({ id, use, enabled }))).toEqual([
      { id: 'slack', use: 'slack-notifier', enabled: true },
      { id: 'crm', use: 'http-sync', enabled: false },
    ])
    // `enabled` is still read from its variable; the rest of the config is interpolated as ever.
    const enabled = await loadConfig({ path, env: { CRM_ENABLED: 'yes', RETENTION_DAYS: '9' }, scope: 'store' })
    expect(enabled.instances.find((i) => i.id === 'crm')!.enabled).toBe(true)
    expect(enabled.config.store.retentionDays).toBe(9)
    expect(loaded.instances.every((i) => i.definition === undefined)).toBe(true)
  })

  it('still validates everything but the instances', async () => {
    const path = write(`${YAML.replace('1400000000', '${APP_ID}')}server: { prot: 1 }\n`.replace('to: [slack, crm]', 'to: [slack, crn]'))
    expect(await problemsOf(loadConfig({ path, env: {}, scope: 'store' }))).toEqual([
      'server.prot: unknown key "prot"; did you mean "port"?',
      'tencent.sdkAppId: environment variable APP_ID is not set',
      'routes[0].to[1]: unknown plugin instance "crn"; did you mean "crm"?',
    ])
  })
})
