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
import { planReload } from '../../src/reload.ts'
import { tempDir, tencentQuery, SEED_BODY, until } from '../helpers/gateway.ts'
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

describe('SIGHUP on a real process', () => {
  let server: ServerProcess | undefined
  afterAll(async () => {
    server?.kill('SIGKILL')
    await server?.exited
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
