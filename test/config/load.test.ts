import { describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { interpolateString } from '../../src/config/interpolate.ts'
import { configProblems, writeConfigFile } from '../helpers/config.ts'
import { tempDir } from '../helpers/gateway.ts'

const write = (yaml: string) => writeConfigFile(yaml)
const problems = (yaml: string, env: Record<string, string> = {}, environment?: string) => configProblems(yaml, { env, environment })

const MINIMAL = `
tencent:
  sdkAppId: 1400000000
plugins:
  log:
    use: file-logger
routes:
  - match: Live.*
    to: [log]
`

describe('interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default}, and $${ is a literal', () => {
    const errors: never[] = []
    expect(interpolateString('a-${X}-${Y:-dflt}-$${Z}', { X: '1' }, 'k', errors)).toBe('a-1-dflt-${Z}')
    expect(errors).toEqual([])
  })

  it('reports a missing required variable with its key', async () => {
    expect(await problems(MINIMAL.replace('1400000000', '${APP_ID}'))).toEqual(['tencent.sdkAppId: environment variable APP_ID is not set'])
  })

  it('converts interpolated numbers and booleans to the schema type', async () => {
    const loaded = await loadConfig({ path: write(`${MINIMAL}server:\n  port: \${P}\n  trustProxy: \${T}\n`), env: { P: '8080', T: 'true' } })
    expect(loaded.config.server.port).toBe(8080)
    expect(loaded.config.server.trustProxy).toBe(true)
  })

  it('neither interpolates nor validates a disabled instance', async () => {
    const yaml =
      `${MINIMAL}  slack:\n    use: slack-notifier\n    enabled: \${SLACK_ENABLED:-false}\n    options:\n      webhookUrl: \${SLACK_WEBHOOK_URL}\n      bogus: 1\n`.replace(
        'plugins:\n  log:',
        'plugins:\n  log:',
      )
    const fixed = yaml.replace(/routes:\n  - match: Live\.\*\n    to: \[log\]\n/, '') + 'routes:\n  - match: Live.*\n    to: [log, slack]\n'
    const loaded = await loadConfig({ path: write(fixed), env: {} })
    expect(loaded.instances.find((i) => i.id === 'slack')).toMatchObject({ enabled: false })
    // Enabled by its variable, the same instance must have its secret.
    expect(await problems(fixed, { SLACK_ENABLED: 'true' })).toEqual([
      'plugins.slack.options.webhookUrl: environment variable SLACK_WEBHOOK_URL is not set',
      'plugins.slack.options.bogus: unknown key "bogus"',
    ])
  })
})

describe('defaults and overrides', () => {
  it('applies host and plugin defaults', async () => {
    const loaded = await loadConfig({ path: write(MINIMAL), env: {} })
    expect(loaded.config.server).toEqual({
      hostname: '0.0.0.0',
      port: 3000,
      path: '/callback',
      maxBodyBytes: 1048576,
      readTimeoutMs: 10000,
      allowIps: [],
      trustProxy: false,
    })
    expect(loaded.config.store).toMatchObject({ path: './data/gateway.db', retentionDays: 7, sync: 'full' })
    expect(loaded.config.dedupWindowSeconds).toBe(600)
    const log = loaded.instances[0]!
    expect(log.retry).toEqual({ maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 600000 })
    expect(log.options).toMatchObject({ path: './logs/callbacks.jsonl', rotate: 'size' })
    expect(log.concurrency).toBe(16)
  })

  it('lets PORT and LOG_LEVEL from the environment win', async () => {
    const loaded = await loadConfig({ path: write(MINIMAL), env: { PORT: '4100', LOG_LEVEL: 'debug' } })
    expect(loaded.config.server.port).toBe(4100)
    expect(loaded.config.log.level).toBe('debug')
  })
})

describe('environments', () => {
  const yaml = `${MINIMAL}environments:
  production:
    server: { port: 8443 }
    routes:
      - match: "*"
        to: [log]
`
  it('deep-merges maps and replaces lists, selected by option or GATEWAY_ENV', async () => {
    const byOption = await loadConfig({ path: write(yaml), env: {}, environment: 'production' })
    expect(byOption.config.server.port).toBe(8443)
    expect(byOption.config.server.path).toBe('/callback')
    expect(byOption.config.routes).toEqual([{ match: '*', to: ['log'] }])
    const byEnv = await loadConfig({ path: write(yaml), env: { GATEWAY_ENV: 'production' } })
    expect(byEnv.environment).toBe('production')
    expect(byEnv.config.server.port).toBe(8443)
  })

  it('rejects an unknown environment name with a suggestion', async () => {
    expect(await problems(yaml, {}, 'prodution')).toEqual(['environment "prodution" is not defined; did you mean "production"? (defined: production)'])
  })

  it('reports a typo inside an environment that is not selected', async () => {
    const typo = `${MINIMAL}environments:\n  staging:\n    server: { prot: 1 }\n`
    expect(await problems(typo)).toEqual(['environments.staging.server.prot: unknown key "prot"; did you mean "port"?'])
  })
})

describe('validation', () => {
  it('lists every problem at once, each with its path', async () => {
    const yaml = `
server:
  prot: 3000
  maxBodyBytes: lots
tencent:
  sdkAppId: 1400000000
  maxClockSkewSeconds: -1
plugins:
  log:
    use: file-loger
  crm:
    use: http-sync
    options: { url: "not a url", timeoutMs: "soon" }
routes:
  - match: Live.*
    to: [log, crmm]
`
    const list = await problems(yaml)
    expect(list).toContain('server.prot: unknown key "prot"; did you mean "port"?')
    expect(list.some((p) => p.startsWith('server.maxBodyBytes: '))).toBe(true)
    expect(list.some((p) => p.startsWith('tencent.maxClockSkewSeconds: '))).toBe(true)
    expect(list.some((p) => p.startsWith('plugins.log.use: unknown plugin "file-loger"; did you mean "file-logger"?'))).toBe(true)
    expect(list.some((p) => p.startsWith('plugins.crm.options.url: '))).toBe(true)
    expect(list.some((p) => p.startsWith('plugins.crm.options.timeoutMs: '))).toBe(true)
    expect(list).toContain('routes[0].to[1]: unknown plugin instance "crmm"; did you mean "crm"?')
  })

  it('requires tencent.sdkAppId', async () => {
    expect(await problems('plugins: {}\n')).toEqual(['tencent: is required'])
  })

  it('reports YAML syntax errors and unreadable files', async () => {
    expect((await problems('tencent: [unclosed\n'))[0]).toMatch(/config\.yaml:2:1: Flow sequence .* \(at the end of the file\)$/)
    await expect(loadConfig({ path: '/nonexistent/config.yaml', env: {} })).rejects.toThrow('cannot read config file')
  })

  it('resolves a custom plugin by a path relative to the config file', async () => {
    const dir = tempDir('custom-')
    writeFileSync(join(dir, 'mine.ts'), "export default { name: 'mine', setup() { return { async deliver() {} } } }\n")
    writeFileSync(join(dir, 'config.yaml'), `tencent: { sdkAppId: 1 }\nplugins:\n  m: { use: ./mine.ts }\nroutes: [{ match: "*", to: [m] }]\n`)
    const loaded = await loadConfig({ path: join(dir, 'config.yaml'), env: {} })
    expect(loaded.instances[0]!.definition!.name).toBe('mine')
    expect(await problems('tencent: { sdkAppId: 1 }\nplugins:\n  m: { use: ./missing.ts }\n')).toEqual([
      expect.stringContaining('plugins.m.use: plugin file not found'),
    ])
  })

  it('rejects a module that does not default-export a plugin', async () => {
    const dir = tempDir('custom-')
    writeFileSync(join(dir, 'bad.ts'), 'export const x = 1\n')
    writeFileSync(join(dir, 'config.yaml'), 'tencent: { sdkAppId: 1 }\nplugins:\n  m: { use: ./bad.ts }\n')
    await expect(loadConfig({ path: join(dir, 'config.yaml'), env: {} })).rejects.toThrow('does not default-export definePlugin')
  })
})
