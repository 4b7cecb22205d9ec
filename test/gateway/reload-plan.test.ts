/**
 * Which changed settings a reload reports as restart-only. `server.allowIps` and
 * `server.trustProxy` are part of the ingress state a reload swaps at once, so changing them
 * must not log the restart warning; the listener's own settings still do. Planned in process,
 * then checked on a real process with SIGHUP.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, type LoadedConfig } from '../../src/config/load.ts'
import { describeReload, planReload } from '../../src/gateway/reload-plan.ts'
import { makeGateway, RECORDING_PLUGIN, tempDir, tencentQuery, SEED_BODY, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'

const RESTART_WARNING = 'takes effect only after a restart'

function yaml(server: string, store = 'store: { path: ./data/gateway.db }'): string {
  return `server: { port: 0, hostname: 127.0.0.1${server ? `, ${server}` : ''} }\ntencent: { sdkAppId: 1400000000 }\n${store}\n`
}

async function load(text: string): Promise<LoadedConfig> {
  const path = join(tempDir('reload-plan-'), 'config.yaml')
  writeFileSync(path, text)
  return loadConfig({ path, env: {} })
}

async function restartOnly(before: string, after: string): Promise<string[]> {
  const current = await load(before)
  return planReload(current, current.instances, await load(after)).needsRestart
}

describe('planReload: restart-only sections', () => {
  it('does not count allowIps or trustProxy as a restart-only change of server', async () => {
    expect(await restartOnly(yaml('allowIps: [10.0.0.1]'), yaml('allowIps: [10.0.0.1, 10.0.0.2]'))).toEqual([])
    expect(await restartOnly(yaml(''), yaml('allowIps: [10.0.0.0/8]'))).toEqual([])
    expect(await restartOnly(yaml('trustProxy: true'), yaml('trustProxy: [127.0.0.1]'))).toEqual([])
    expect(await restartOnly(yaml('trustProxy: [127.0.0.1]'), yaml('allowIps: [10.0.0.1], trustProxy: false'))).toEqual([])
  })

  it('still counts the other server keys, store and dedupWindowSeconds, alone or alongside allowIps', async () => {
    expect(await restartOnly(yaml(''), yaml('readTimeoutMs: 500'))).toEqual(['server'])
    expect(await restartOnly(yaml('allowIps: [10.0.0.1]'), yaml('allowIps: [10.0.0.2], path: /tencent'))).toEqual(['server'])
    expect(await restartOnly(yaml(''), yaml('', 'store: { path: ./data/other.db }'))).toEqual(['store'])
    expect(await restartOnly(yaml(''), `${yaml('')}dedupWindowSeconds: 5\n`)).toEqual(['dedupWindowSeconds'])
    expect(await restartOnly(yaml(''), yaml(''))).toEqual([])
  })
})

async function changes(before: string, after: string): Promise<string[]> {
  const current = await load(before)
  const next = await load(after)
  return describeReload(current, next, planReload(current, current.instances, next))
}

const WITH_PLUGINS = (plugins: string, routes: string, extra = '') => `${yaml('')}plugins:\n${plugins}routes:\n${routes}${extra}`
const rec = (id: string, options = '{}') => `  ${id}: { use: ${RECORDING_PLUGIN}, options: ${options} }\n`
const route = (to: string) => `  - { match: "*", to: [${to}] }\n`

describe('describeReload: what the reload line says changed', () => {
  it('names log.level with its values, and nothing else when only it changed', async () => {
    const base = WITH_PLUGINS(rec('a'), route('a'))
    expect(await changes(base, `${base}log: { level: debug }\n`)).toEqual(['log.level: info → debug'])
  })

  it('says nothing changed for the same file', async () => {
    const base = WITH_PLUGINS(rec('a'), route('a'))
    expect(await changes(base, base)).toEqual(['nothing changed'])
  })

  it('counts routes, and names instances set up, replaced and retired', async () => {
    const before = WITH_PLUGINS(rec('a') + rec('b') + rec('c'), route('a') + route('b') + route('c'))
    const after = WITH_PLUGINS(rec('a') + rec('b', '{ delayMs: 5 }') + rec('d'), route('a') + route('b') + route('d') + route('a, d'))
    expect(await changes(before, after)).toEqual(['routes changed (3 → 4)', 'replaced b (its settings changed)', 'set up d', 'retired c'])
  })

  it('names tencent and the caller checks without their values, and restart-only sections', async () => {
    const before = yaml('allowIps: [10.0.0.1]')
    const after = yaml('allowIps: [10.0.0.2], trustProxy: true, readTimeoutMs: 500').replace(
      'sdkAppId: 1400000000',
      'sdkAppId: 1400000000, token: sEcReT-token-1',
    )
    const said = await changes(before, after)
    expect(said).toEqual(['tencent changed', 'server.allowIps changed', 'server.trustProxy changed', 'server changed (takes effect after a restart)'])
    expect(said.join(' ')).not.toContain('sEcReT')
    expect(said.join(' ')).not.toContain('10.0.0')
  })
})

describe('reload in process: the empty-token warning', () => {
  const UNSIGNED = 'tencent.token is empty'
  it('is said once at start, not again at each reload, and again when a reload removes the token', async () => {
    const gw = await makeGateway(yaml(''))
    const path = join(gw.dir, 'config.yaml')
    const reload = async (text: string) => {
      writeFileSync(path, text)
      return gw.reload(await loadConfig({ path, env: {} }))
    }
    const warnings = () => gw.logs.filter((line) => line.includes(UNSIGNED)).length
    expect(warnings()).toBe(1)
    expect(await reload(`${yaml('')}log: { level: debug }\n`)).toEqual(['log.level: info → debug'])
    expect(warnings()).toBe(1)
    await reload(yaml('').replace('sdkAppId: 1400000000', 'sdkAppId: 1400000000, token: now-signed-1'))
    expect(warnings()).toBe(1)
    await reload(yaml(''))
    expect(warnings()).toBe(2)
    await gw.close()
  })
})

describe('SIGHUP on a real process', () => {
  let server: ServerProcess | undefined
  afterAll(async () => {
    server?.kill('SIGKILL')
    await server?.exited
  })

  it('says the pid when listening, and which settings a reload changed', async () => {
    const path = join(tempDir('reload-line-'), 'config.yaml')
    writeFileSync(path, yaml(''))
    server = await startServer(path)
    const listening = server
      .output()
      .split('\n')
      .map((line) => (line.startsWith('{') ? JSON.parse(line) : {}))
      .find((line) => line.msg === 'listening')
    expect(listening.pid).toBe(server.pid)

    writeFileSync(path, `${yaml('')}log: { level: debug }\n`)
    server.kill('SIGHUP')
    await until(() => server!.output().includes('"msg":"config reloaded"'), 10_000, 'the reload')
    expect(server.output()).toContain('"msg":"config reloaded","changes":["log.level: info → debug"]')
    expect(server.output().split('tencent.token is empty').length - 1).toBe(1)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    server = undefined
  })

  it('applies a new allowIps at once without the restart warning; a changed limit still warns', async () => {
    const path = join(tempDir('reload-allow-'), 'config.yaml')
    writeFileSync(path, yaml('allowIps: [127.0.0.2]'))
    server = await startServer(path)
    const post = async () => (await fetch(`${server!.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY })).status
    expect(await post()).toBe(403)

    writeFileSync(path, yaml('allowIps: [127.0.0.1]'))
    server.kill('SIGHUP')
    await until(() => server!.output().includes('"msg":"config reloaded"'), 10_000, 'the reload')
    expect(await post()).toBe(200)
    expect(server.output()).not.toContain(RESTART_WARNING)

    writeFileSync(path, yaml('allowIps: [127.0.0.1], readTimeoutMs: 500'))
    server.kill('SIGHUP')
    await until(() => server!.output().includes(RESTART_WARNING), 10_000, 'the restart warning for readTimeoutMs')
    expect(server.output()).toMatch(new RegExp(`${RESTART_WARNING}.*"section":"server"`))
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    server = undefined
  })
})
